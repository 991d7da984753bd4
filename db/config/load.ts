/**
 * Reads, normalises and validates a config document. Nothing here touches the database: a file
 * that fails validation stops start-up before anything is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue, fromZodIssues } from './issues.ts';
import { heimdallConfig, type HeimdallConfig } from './model.ts';
import { normalizeDocument } from './normalize.ts';
import { checkConfigReferences } from './references.ts';
import { findUnknownKeys } from './unknown-keys.ts';

export interface LoadedConfig {
  config: HeimdallConfig;
  /** Non-fatal findings (unknown fields, chart-only keys) to log once at start-up. */
  warnings: string[];
  /** Where the config came from, for messages. */
  source: string;
}

/** Validates an already-parsed document (a file's content, or `applyConfig`'s argument). */
export function validateConfig(
  raw: unknown,
  options: { env?: NodeJS.ProcessEnv; source?: string } = {},
): LoadedConfig {
  const source = options.source ?? 'config';
  const { document, chartOnly } = normalizeDocument(raw ?? {});
  const parsed = heimdallConfig.safeParse(document, { reportInput: true });
  if (!parsed.success) throw new ConfigError(fromZodIssues(parsed.error.issues), source);
  const issues = checkConfigReferences(parsed.data, options.env ?? process.env);
  if (issues.length > 0) throw new ConfigError(issues, source);
  const warnings = [
    ...findUnknownKeys(heimdallConfig, document).map((path) => `${path}: unknown field, ignored`),
    ...chartOnly.map((key) => `${key}: used by the Helm chart only, ignored at runtime`),
  ];
  return { config: parsed.data, warnings, source };
}

function parseText(text: string, file: string): unknown {
  const issues: ConfigIssue[] = [];
  if (extname(file) === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      issues.push({ path: '', message: `invalid JSON: ${(error as Error).message}` });
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length === 0) return doc.toJS();
    for (const error of doc.errors) {
      const where = error.linePos?.[0];
      issues.push({
        path: '',
        message: `invalid YAML${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${error.message.split('\n')[0]}`,
      });
    }
  }
  throw new ConfigError(issues, file);
}

/** The config path: `HEIMDALL_CONFIG`, else ./config.json, else ./config.yaml (or .yml). */
export function findConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | undefined {
  if (env.HEIMDALL_CONFIG) return resolve(cwd, env.HEIMDALL_CONFIG);
  return ['config.json', 'config.yaml', 'config.yml']
    .map((name) => resolve(cwd, name))
    .find((path) => existsSync(path));
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [
        {
          path: '',
          message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; set HEIMDALL_CONFIG to an existing file`,
        },
      ],
      file,
    );
  }
  return validateConfig(parseText(text, file), { env, source: file });
}
