/**
 * The largest completion a model family can produce, used by strict budgets as the worst case
 * when a request sets no `max_tokens`. The price catalogue has context windows but no output
 * limits, so these stay here (from the providers' model pages). A family not listed falls back
 * to governance's default (16,384); a limit set too high only reserves more, one set too low lets
 * a long answer pass its reservation, so each value is the family's largest.
 */
const LIMITS: ReadonlyArray<readonly [family: string, tokens: number]> = [
  ['claude-3-haiku', 4096],
  ['claude-3-sonnet', 4096],
  ['claude-3-opus', 4096],
  ['claude-3-5', 8192],
  ['claude-3-7-sonnet', 64_000],
  ['claude-haiku-4', 64_000],
  ['claude-sonnet-4', 64_000],
  ['claude-opus-4-0', 32_000],
  ['claude-opus-4-2025', 32_000],
  ['claude-opus-4-1', 32_000],
  ['claude-opus-4-5', 64_000],
  // Opus 4.6 and later write up to 128k tokens.
  ['claude-opus-4', 128_000],
  ['gpt-3.5-turbo', 4096],
  ['gpt-4-turbo', 4096],
  ['gpt-4o', 16_384],
  ['gpt-4.1', 32_768],
  ['gpt-5', 128_000],
  ['o1', 100_000],
  ['o3', 100_000],
  ['o4-mini', 100_000],
  ['gemini-1.5', 8192],
  ['gemini-2.0', 8192],
  ['gemini-2.5', 65_536],
  ['gemini-3', 65_536],
  ['llama-3.3-70b-versatile', 32_768],
  ['llama-3.1-8b-instant', 131_072],
  ['command-r', 4096],
  ['command-a', 8192],
  ['deepseek-chat', 8192],
  ['deepseek-reasoner', 65_536],
];

/** Longest family first, so `claude-opus-4-5` wins over `claude-opus-4`. */
const BY_LENGTH = [...LIMITS].sort((a, b) => b[0].length - a[0].length);

/**
 * The family's limit for a model name as providers spell it: plain (`gpt-4o-2024-08-06`),
 * behind a region or vendor prefix (`us.anthropic.claude-3-5-sonnet-…`, `openai/gpt-5`) or with
 * a Vertex version (`claude-3-5-sonnet-v2@20241022`). A family matches only at the start of the
 * name or after `.`, `/`, `:`, so `o3` never matches inside another name.
 */
export function maxOutputTokens(model: string): number | undefined {
  const name = model.toLowerCase();
  for (const [family, tokens] of BY_LENGTH) {
    const at = name.indexOf(family);
    if (at === 0 || (at > 0 && './:'.includes(name[at - 1]!))) return tokens;
  }
  return undefined;
}
