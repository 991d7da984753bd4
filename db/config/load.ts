/**
 * Reads, normalises and validates a config document. Nothing here touches the database: a file
 * that fails validation stops start-up before anything is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { ConfigError, type ConfigIssue, fromZodIssues } from './issues.ts';
import { heimdallConfig, type HeimdallConfig } from './model.ts';
import { normalizeDocument } from './normalize.ts';
import { checkConfigReferences } from './references.ts';
import { findUnknownKeys } from './unknown-keys.ts';
import { findUnsupportedKeys } from './unsupported.ts';

/**
 * The YAML parser, loaded when the first YAML file is read rather than with db/index.ts, so the
 * processes that import db/ but never read a config file (the SQLite writer thread) skip it.
 * On Node, `import 'yaml'` resolves to this same CommonJS build.
 */
let yaml: typeof Yaml | undefined;
const loadYaml = (): typeof Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

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
  const { document, chartOnly, notes } = normalizeDocument(raw ?? {});
  const parsed = heimdallConfig.safeParse(document, { reportInput: true });
  if (!parsed.success) throw new ConfigError(fromZodIssues(parsed.error.issues), source);
  const issues = checkConfigReferences(parsed.data, options.env ?? process.env);
  if (issues.length > 0) throw new ConfigError(issues, source);
  const unsupported = findUnsupportedKeys(document);
  const explained = new Set(unsupported.map((finding) => finding.path));
  const warnings = [
    ...findUnknownKeys(heimdallConfig, document)
      .filter((path) => !explained.has(path))
      .map((path) => `${path}: unknown field, ignored`),
    ...unsupported.map((finding) => finding.warning),
    ...chartOnly.map((key) => `${key}: used by the Helm chart only, ignored at runtime`),
    ...notes,
  ];
  return { config: parsed.data, warnings, source };
}

/**
 * V8's JSON.parse message without its excerpt of the file (`Unexpected token 's', "{"value":
 * sk-live-…"... is not valid JSON`), which may be part of a secret; with a line and column
 * instead of a character position.
 */
function jsonErrorDetail(message: string, text: string): string {
  const reason = message.replace(/, .* is not valid JSON$/s, '').replace(/ in JSON at position \d+$/, '');
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return `: ${reason}`;
  const before = text.slice(0, Number(position)).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}: ${reason}`;
}

function parseText(text: string, file: string): unknown {
  const issues: ConfigIssue[] = [];
  if (extname(file) === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      issues.push({ path: '', message: `invalid JSON${jsonErrorDetail((error as Error).message, text)}` });
    }
  } else {
    const { LineCounter, parseDocument } = loadYaml();
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { prettyErrors: true, lineCounter });
    if (doc.errors.length === 0) return yamlToJs(doc, lineCounter, file);
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

/**
 * How many alias expansions a YAML config may make (the `yaml` package's `maxAliasCount`, here
 * explicit). Nested aliases multiply: nine levels of nine fit in a few lines and expand to
 * hundreds of millions of nodes (a "billion laughs"), so past this the file is refused.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

function yamlToJs(doc: Yaml.Document, lineCounter: Yaml.LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    const reason = (error as Error).message;
    if (!/alias/i.test(reason))
      throw new ConfigError([{ path: '', message: `invalid YAML: ${reason}` }], file);
    const at = firstNestedAlias(doc);
    const where = at === undefined ? undefined : lineCounter.linePos(at);
    const message = `invalid YAML${where ? ` at line ${where.line}, column ${where.col}` : ''}: aliases expand past ${MAX_YAML_ALIAS_COUNT} copies (aliases of aliases, as in a "billion laughs" document); write the repeated values out instead`;
    throw new ConfigError([{ path: '', message }], file);
  }
}

/** Offset of the first alias to a node that itself holds aliases: where expansion multiplies. */
function firstNestedAlias(doc: Yaml.Document): number | undefined {
  const { visit } = loadYaml();
  let first: number | undefined;
  let nested: number | undefined;
  visit(doc, {
    Alias(_key, alias) {
      first ??= alias.range?.[0];
      const target = alias.resolve(doc);
      let multiplies = false;
      if (target) visit(target, { Alias: () => ((multiplies = true), visit.BREAK) });
      if (!multiplies) return undefined;
      nested = alias.range?.[0];
      return visit.BREAK;
    },
  });
  return nested ?? first;
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
