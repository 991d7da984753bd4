/** The `reset_duration` grammar shared with Bifrost: a positive integer and one unit letter. */
export const DURATION_PATTERN = /^([1-9][0-9]*)(s|m|h|d|w|M|Y)$/;

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'Y';

export interface Duration {
  count: number;
  unit: DurationUnit;
}

export function parseDuration(text: string): Duration | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return { count: Number(match[1]), unit: match[2] as DurationUnit };
}
