/**
 * Durations Heimdall reads from the environment in seconds (shutdown delay and grace, lease
 * expiry, the split gateway's wait for its control plane). One parser so every one of them
 * refuses the same way: a value that is not a number at or above its minimum stops start-up with
 * the variable's name, what was expected and what was given — never a silent NaN or default.
 */
export interface SecondsSetting {
  /** Seconds used when the variable is unset or blank. */
  fallback: number;
  /** Smallest accepted value. @default 0 */
  min?: number;
  /** Why the minimum is what it is, appended to the error. */
  why?: string;
}

/** The variable's value in milliseconds. */
export function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, setting: SecondsSetting): number {
  const raw = env[name]?.trim();
  if (!raw) return setting.fallback * 1000;
  const min = setting.min ?? 0;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < min) {
    const hint = setting.why ?? `e.g. ${setting.fallback}`;
    throw new Error(`${name}: expected a number of seconds ≥ ${min} (${hint}), got "${raw}"`);
  }
  return Math.round(seconds * 1000);
}
