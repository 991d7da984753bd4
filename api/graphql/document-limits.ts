/**
 * Limits on the GraphQL document itself, enforced while parsing, before any validation rule
 * runs. Validation (the spec's rules and our depth and cost rules) is at best linear and in places
 * quadratic in the number of fields, and it runs for unauthenticated callers too: a 3.5 MB
 * document of 100,000 aliases used to hold the event loop for seconds before the cost rule said
 * no. Here the parser stops after `maxTokens` tokens, and a document whose operations select more
 * than `maxFields` fields (aliases and fragment spreads expanded) is refused before validation.
 * The request body itself is capped by yoga's `maxRequestBodySize` and graphql-ws `maxPayload`
 * (GRAPHQL_MAX_BODY_BYTES).
 */
import {
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Largest /graphql request body (HTTP) or graphql-ws message, in bytes. */
export const GRAPHQL_MAX_BODY_BYTES = 1024 * 1024;
/** Lexical tokens a document may have; the biggest real operations have a few hundred. */
export const GRAPHQL_MAX_TOKENS = 10_000;
/** Fields a document's operations may select, fragments expanded and every alias counted. */
export const GRAPHQL_MAX_FIELDS = 2_000;
/**
 * Brackets (`{`, `[`, `(`) a document may nest, counted before parsing. graphql-js parses
 * recursively, so whether a few thousand levels overflow the stack depends on the machine's stack
 * size; this limit makes the answer the same everywhere. The introspection query nests 14 deep.
 */
export const GRAPHQL_MAX_NESTING = 128;

export interface DocumentLimitOptions {
  /** @default GRAPHQL_MAX_TOKENS */
  maxTokens?: number | undefined;
  /** @default GRAPHQL_MAX_FIELDS */
  maxFields?: number | undefined;
}

/** Longest document text the parse caches keep; longer ones are parsed again each time. */
const MAX_CACHED_DOCUMENT_CHARS = 64 * 1024;
/** Entries per parse cache (yoga's own default). */
const PARSE_CACHE_ENTRIES = 1024;

/**
 * Yoga's parse and parse-error caches, keyed by the document text, but skipping long texts: with
 * 1 MB bodies, 1,024 distinct junk documents would otherwise pin a gigabyte. Least recently used
 * entries go first (a Map iterates in insertion order; a hit re-inserts).
 */
export function boundedParseCaches() {
  const bounded = <T>() => {
    const entries = new Map<string, T>();
    return {
      get(key: string): T | undefined {
        const value = entries.get(key);
        if (value !== undefined) {
          entries.delete(key);
          entries.set(key, value);
        }
        return value;
      },
      set(key: string, value: T): void {
        if (key.length > MAX_CACHED_DOCUMENT_CHARS) return;
        entries.delete(key);
        entries.set(key, value);
        if (entries.size > PARSE_CACHE_ENTRIES) entries.delete(entries.keys().next().value!);
      },
    };
  };
  return { documentCache: bounded<DocumentNode>(), errorCache: bounded<unknown>() };
}

/**
 * Thrown while parsing, so yoga answers it like a syntax error, as GraphQL over HTTP asks: 400 to
 * `application/graphql-response+json` clients, 200 with `errors` to legacy `application/json` ones.
 */
const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/**
 * Fields the operations select once fragments are expanded, counting stops just past `limit`.
 * Each fragment is counted once and remembered, so fragments spreading each other many times
 * cost linear time here (the expanded total can still be exponential, which is what is refused).
 */
export function countSelectedFields(document: DocumentNode, limit: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const counted = new Map<string, number>();

  const countSet = (set: SelectionSetNode): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD)
        total += 1 + (selection.selectionSet ? countSet(selection.selectionSet) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += countSet(selection.selectionSet);
      else total += countFragment(selection.name.value);
      if (total > limit) return total;
    }
    return total;
  };
  const countFragment = (name: string): number => {
    const known = counted.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    // Unknown and cyclic spreads count nothing here; validation reports them.
    counted.set(name, 0);
    const total = fragment ? countSet(fragment.selectionSet) : 0;
    counted.set(name, total);
    return total;
  };

  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) total += countSet(definition.selectionSet);
    if (total > limit) break;
  }
  return total;
}

/**
 * Deepest bracket nesting in the text, skipping strings, block strings and comments; stops
 * counting just past `limit`. One linear pass with no recursion, so it cannot overflow itself.
 */
export function bracketNesting(source: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (char === '"') {
      if (source.startsWith('"""', i)) {
        // A block string ends at the first triple quote not escaped as \""".
        let end = source.indexOf('"""', i + 3);
        while (end !== -1 && source[end - 1] === '\\') end = source.indexOf('"""', end + 3);
        i = end === -1 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++)
          if (source[i] === '\\') i++;
      }
    } else if (char === '{' || char === '[' || char === '(') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (char === '}' || char === ']' || char === ')') {
      depth--;
    }
  }
  return deepest;
}

const tooDeep = () =>
  refusal('the document is nested too deeply to parse; send a flatter operation', 'DOCUMENT_TOO_DEEP');

/** Parses with the nesting and token limits and refuses oversized selections, each with its own code. */
export function parseWithinLimits(source: string, limits: Required<DocumentLimitOptions>): DocumentNode {
  if (bracketNesting(source, GRAPHQL_MAX_NESTING) > GRAPHQL_MAX_NESTING) throw tooDeep();
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: limits.maxTokens });
  } catch (error) {
    // Backstop: graphql-js parses recursively, and a stack overflow must still be a 400.
    if (error instanceof RangeError) throw tooDeep();
    if (error instanceof GraphQLError && error.message.includes('tokens. Parsing aborted'))
      throw refusal(
        `the document has more than ${limits.maxTokens} tokens; split it into smaller operations`,
        'DOCUMENT_TOO_LARGE',
      );
    throw error;
  }
  const fields = countSelectedFields(document, limits.maxFields);
  if (fields > limits.maxFields)
    throw refusal(
      `the document selects more than ${limits.maxFields} fields (aliases and fragments expanded); select fewer or split it into smaller operations`,
      'TOO_MANY_FIELDS',
    );
  return document;
}

export function useDocumentLimits(options: DocumentLimitOptions = {}): Plugin {
  const limits = {
    maxTokens: options.maxTokens ?? GRAPHQL_MAX_TOKENS,
    maxFields: options.maxFields ?? GRAPHQL_MAX_FIELDS,
  };
  return {
    onParse({ setParseFn }) {
      setParseFn((source) => parseWithinLimits(typeof source === 'string' ? source : source.body, limits));
    },
  };
}
