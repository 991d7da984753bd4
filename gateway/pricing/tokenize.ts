/**
 * Token counts for text whose usage no provider reported: what a stream relayed before the client
 * hung up or the provider cut it, and the prompt it answered. OpenAI-family models get their real
 * encoding (gpt-tokenizer): o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, the o-series, gpt-oss
 * and codex; cl100k_base for gpt-4, gpt-3.5 and the text-embedding models. Families whose
 * tokenizer is not public (Anthropic, Gemini, Cohere, Llama, Mistral, …) get an approximation
 * rounded up over the whole text: the larger of characters ÷ the family's characters per token
 * and UTF-8 bytes ÷ 4 (the byte term keeps CJK and other multi-byte scripts, which tokenize
 * densely, from being undercounted).
 */
import { createRequire } from 'node:module';

/**
 * Counts the tokens of text relayed in parts (one part per stream delta). `additive`: a real
 * encoding, counted part by part and summed, so the parts may be counted in slices
 * (countingSlices) to the same total; the approximation rounds over the whole text and is not.
 */
export type TokenCounter = ((parts: readonly string[]) => number) & { readonly additive?: true };

export type Encoding = 'o200k_base' | 'cl100k_base';

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|gpt-realtime|gpt-audio|chatgpt-|codex|o\d)/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-|davinci-002|babbage-002)/;

/**
 * Characters per token of families without a public tokenizer, from their providers' own rules
 * of thumb (Anthropic ≈ 3.5 for English, Google "about 4" for Gemini, Cohere ≈ 4); anything else
 * uses the smaller (more tokens) 3.5.
 */
const CHARS_PER_TOKEN: ReadonlyArray<[RegExp, number]> = [
  [/^claude/, 3.5],
  [/^(gemini|gemma)/, 4],
  [/^(command|c4ai|embed-)/, 4],
];
const DEFAULT_CHARS_PER_TOKEN = 3.5;
const BYTES_PER_TOKEN = 4;

/** `ft:gpt-4o-mini:org::id`, `openai/gpt-4o`, `us.anthropic.claude-…` → the model family's name. */
function familyName(model: string): string {
  let name = model.toLowerCase();
  if (name.startsWith('ft:')) name = name.slice(3);
  name = name.slice(name.lastIndexOf('/') + 1);
  const claude = name.indexOf('claude');
  return claude > 0 ? name.slice(claude) : name;
}

function encodingOf(model: string): Encoding | undefined {
  const name = familyName(model);
  if (O200K.test(name)) return 'o200k_base';
  if (CL100K.test(name)) return 'cl100k_base';
  return undefined;
}

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;

/**
 * Loaded on first use, synchronously (require of the package's CommonJS build): each encoding's
 * tables take ~0.1–0.2 s and tens of MB, and most processes never see a stream end without usage,
 * so they are not imported at start. Synchronous so that a stream's charge is settled before its
 * attempt ends, as with provider usage (an `import()` would let the request finish first).
 */
const requireTokenizer = createRequire(import.meta.url);
const loaded = new Map<Encoding, CountTokens>();

function load(encoding: Encoding): CountTokens {
  let count = loaded.get(encoding);
  if (count === undefined) {
    const module = requireTokenizer(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: CountTokens };
    count = module.countTokens;
    loaded.set(encoding, count);
  }
  return count;
}

/**
 * Whether `encoding`'s tables are in memory: the start-up warm-up loads o200k_base (api/warm-up.ts),
 * so its load does not stall the first request that needs it.
 */
export function tokenizerLoaded(encoding: Encoding): boolean {
  return loaded.has(encoding);
}

/** Text that spells a special token (`<|endoftext|>`) was relayed as text: count it as text. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

function encoded(count: CountTokens): TokenCounter {
  const counter = (parts: readonly string[]): number => {
    let tokens = 0;
    for (const part of parts) if (part !== '') tokens += count(part, AS_TEXT);
    return tokens;
  };
  return Object.assign(counter, { additive: true as const });
}

function approximated(charsPerToken: number): TokenCounter {
  return (parts) => {
    let chars = 0;
    let bytes = 0;
    for (const part of parts) {
      chars += part.length;
      bytes += Buffer.byteLength(part);
    }
    return Math.ceil(Math.max(chars / charsPerToken, bytes / BYTES_PER_TOKEN));
  };
}

/** A space that follows a non-space and precedes a letter: the start of a ` word` piece. */
function cutsBefore(text: string, at: number): boolean {
  return text.charCodeAt(at) === 32 && text.charCodeAt(at - 1) > 32 && LETTER.test(text[at + 1] ?? '');
}
const LETTER = /^\p{L}$/u;

/**
 * `parts` regrouped into slices of about `chars` characters each, for counting a turn of the
 * event loop at a time: with an `additive` counter (a real encoding) the slices'
 * counts add up to exactly the count of `parts`. Parts are kept whole where they fit; a longer
 * one is cut only before a space that follows a non-space and precedes a letter, where the
 * pre-tokenizers of o200k_base and cl100k_base both start a new piece (` word`) anyway, so no
 * token spans a cut. A stretch with no such space (minified JSON, base64) stays in one slice.
 */
export function countingSlices(parts: readonly string[], chars: number): string[][] {
  const slices: string[][] = [];
  let slice: string[] = [];
  let size = 0;
  const push = (piece: string): void => {
    if (size > 0 && size + piece.length > chars) {
      slices.push(slice);
      slice = [];
      size = 0;
    }
    slice.push(piece);
    size += piece.length;
  };
  for (const part of parts) {
    let start = 0;
    while (part.length - start > chars) {
      let at = start + chars;
      while (at < part.length && !cutsBefore(part, at)) at++;
      push(part.slice(start, at));
      start = at;
    }
    if (start < part.length) push(start === 0 ? part : part.slice(start));
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}

/** Whether `model` is counted with a real tokenizer (else the documented approximation). */
export function hasTokenizer(model: string): boolean {
  return encodingOf(model) !== undefined;
}

/**
 * The counter for the first of `models` (logical name, then the id sent upstream) whose family is
 * known; the approximation when none is an OpenAI-family model.
 */
export function tokenCounter(...models: ReadonlyArray<string | undefined>): TokenCounter {
  for (const model of models) {
    const encoding = model === undefined ? undefined : encodingOf(model);
    if (encoding) return encoded(load(encoding));
  }
  const name = familyName(models.find((m) => m !== undefined) ?? '');
  const ratio = CHARS_PER_TOKEN.find(([pattern]) => pattern.test(name))?.[1];
  return approximated(ratio ?? DEFAULT_CHARS_PER_TOKEN);
}
