/**
 * How secret strings are stored and shown. Stored: sealed by the secret box, except `env.VAR`
 * references (kept as written and resolved where used) and empty strings (nothing to hide).
 * Shown: `plain` for building the gateway snapshot, `masked` for people, `reference` for an
 * export that can be committed (every literal secret becomes an `env.NAME` placeholder).
 */
import { isEnvRef } from './config/env-ref.ts';
import type { SecretBox } from './crypto.ts';

export type SecretMode = 'plain' | 'masked' | 'reference';

/** isEnvRef is a type guard on unknown; on a string it would narrow the false branch to never. */
const isRef = (value: string): boolean => isEnvRef(value);

export function sealSecret(box: SecretBox, value: string): string {
  return value === '' || isRef(value) ? value : box.encrypt(value);
}

export function openSecret(box: SecretBox, stored: string): string {
  return box.isEncrypted(stored) ? box.decrypt(stored) : stored;
}

/** `openai/primary` + `value` → `OPENAI_PRIMARY_VALUE`: a stable, readable variable name. */
export function envNameFor(...parts: string[]): string {
  return parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function maskSecret(plain: string): string {
  if (plain === '' || isRef(plain)) return plain;
  return plain.length > 12 ? `********${plain.slice(-4)}` : '********';
}

/** `plain` is the decrypted value; `names` name the env variable a reference export suggests. */
export function presentSecret(plain: string, mode: SecretMode, names: string[]): string {
  if (mode === 'plain' || plain === '' || isRef(plain)) return plain;
  return mode === 'masked' ? maskSecret(plain) : `env.${envNameFor(...names)}`;
}

type Fields<T> = ReadonlyArray<keyof T & string>;

function mapFields<T extends object>(
  value: T,
  fields: Fields<T>,
  fn: (text: string, field: string) => string,
): T {
  const out = { ...value } as Record<string, unknown>;
  for (const field of fields) {
    const inner = out[field];
    if (typeof inner === 'string') out[field] = fn(inner, field);
  }
  return out as T;
}

export function sealFields<T extends object>(
  box: SecretBox,
  value: T | null | undefined,
  fields: Fields<T>,
): T | null {
  return value ? mapFields(value, fields, (text) => sealSecret(box, text)) : null;
}

export function openFields<T extends object>(
  box: SecretBox,
  value: T | null | undefined,
  fields: Fields<T>,
): T | null {
  return value ? mapFields(value, fields, (text) => openSecret(box, text)) : null;
}

export function presentFields<T extends object>(
  value: T | null | undefined,
  fields: Fields<T>,
  mode: SecretMode,
  names: string[],
): T | null {
  return value
    ? mapFields(value, fields, (text, field) => presentSecret(text, mode, [...names, field]))
    : null;
}

/** Secret fields inside the provider-specific key blocks. */
export const KEY_CONFIG_SECRETS = {
  azureKeyConfig: ['client_secret'],
  bedrockKeyConfig: ['access_key', 'secret_key', 'session_token'],
  vertexKeyConfig: ['auth_credentials'],
} as const;

export const PROXY_SECRETS = ['password'] as const;
