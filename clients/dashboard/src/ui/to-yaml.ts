/**
 * JSON → YAML for the config export download. The export is plain JSON data (no anchors, tags or
 * multi-documents), so a small emitter does; strings are JSON-quoted whenever plain YAML could
 * read them as something else.
 */
const PLAIN = /^[A-Za-z_/][\w./@-]*( [\w./@-]+)*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  return String(value);
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function emit(value: unknown, indent: string, lines: string[], prefix: string): void {
  if (Array.isArray(value) && value.length > 0) {
    if (prefix) lines.push(prefix.trimEnd());
    for (const item of value) {
      if (typeof item === 'object' && item !== null && !isEmpty(item)) {
        const nested: string[] = [];
        emit(item, `${indent}  `, nested, '');
        nested[0] = `${indent}- ${nested[0]!.trimStart()}`;
        lines.push(...nested);
      } else lines.push(`${indent}- ${isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    }
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isEmpty(value)) {
    if (prefix) lines.push(prefix.trimEnd());
    for (const [key, item] of Object.entries(value)) {
      const name = `${indent}${scalar(key)}:`;
      if (typeof item === 'object' && item !== null && !isEmpty(item)) emit(item, `${indent}  `, lines, name);
      else lines.push(`${name} ${isEmpty(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    }
  } else lines.push(`${prefix}${isEmpty(value) ? (Array.isArray(value) ? '[]' : '{}') : scalar(value)}`);
}

export function toYaml(value: unknown): string {
  const lines: string[] = [];
  emit(value, '', lines, '');
  return `${lines.join('\n')}\n`;
}
