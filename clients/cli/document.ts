/**
 * The config file as the CLI reads it (YAML or JSON — YAML parses both), keeping the parsed
 * nodes so a path the server reports (`governance.virtual_keys[2].budget_id`) can be shown at
 * the line and column the user wrote it, even when the file spells sections in camelCase
 * (`virtualKeys`) or nests them under `bifrost:` as a Helm values file does.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface ConfigFile {
  /** As the user named it (relative to the working directory). */
  name: string;
  value: Record<string, unknown>;
  locate(path: string): SourcePosition;
}

export interface SourcePosition {
  line: number;
  column: number;
  /** The part of the path that exists in the file (the rest names what is missing). */
  found: string;
}

/** A problem with the file itself, already naming file, line and column. */
export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `governance.budgets[0].max_limit` → ['governance', 'budgets', 0, 'max_limit']. */
export function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else out.push(match[1]!);
  }
  return out;
}

function child(node: Node | null | undefined, segment: string | number): Node | undefined {
  if (typeof segment === 'number') return isSeq(node) ? (node.items[segment] as Node | undefined) : undefined;
  if (!isMap(node)) return undefined;
  for (const spelling of [segment, camel(segment), snake(segment)]) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === spelling);
    if (pair) return (pair.value as Node | null) ?? (pair.key as Node);
  }
  return undefined;
}

export function loadConfigFile(path: string, cwd: string): ConfigFile {
  const name = relative(cwd, path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FileError(`${name}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [syntax] = doc.errors;
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new FileError(`${name}:${line}:${col}: ${syntax.message.split('\n')[0]}`);
  }
  const value = doc.toJS() as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FileError(`${name}:1:1: expected a config document (a mapping of sections)`);
  const root = doc.contents as Node | null;
  // A Helm values file keeps the config under `bifrost:`; the server reads it the same way.
  const wrapped = child(root, 'bifrost');

  const locate = (serverPath: string): SourcePosition => {
    const segments = pathSegments(serverPath);
    let node: Node | undefined =
      wrapped && !child(root, String(segments[0] ?? '')) ? wrapped : (root ?? undefined);
    const found: string[] = [];
    for (const segment of segments) {
      const next = child(node, segment);
      if (!next) break;
      node = next;
      found.push(typeof segment === 'number' ? `[${segment}]` : `${found.length ? '.' : ''}${segment}`);
    }
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { line, column: col, found: found.join('') };
  };
  return { name, value: value as Record<string, unknown>, locate };
}
