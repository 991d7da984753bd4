/**
 * JSON-lines logger. Fields whose names suggest a secret are redacted before anything is
 * written, so a careless `logger.info('x', { key })` cannot leak a credential.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(secret|password|token|api[-_]?key|authorization|credential|^value$|^key$)/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) && typeof inner === 'string' ? '[redacted]' : redact(inner, depth + 1);
  }
  return out;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const emit = (lvl: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[lvl] < threshold) return;
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        msg: message,
        ...(redact(fields ?? {}) as LogFields),
      }),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export function parseLogLevel(text: string | undefined): LogLevel {
  return text === 'debug' || text === 'info' || text === 'warn' || text === 'error' ? text : 'info';
}
