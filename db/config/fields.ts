/**
 * Small zod field builders whose messages read as fixes ("expected a number ≥ 0"); the loader
 * appends the path and the offending value, giving `providers.openai.keys[1].weight: expected a
 * number ≥ 0, got "two"`.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../../clients/contract/windows.ts';

export const text = () => z.string({ error: 'expected a string' });
export const nonEmptyText = () => text().min(1, { error: 'expected a non-empty string' });
export const flag = () => z.boolean({ error: 'expected true or false' });
export const nonNegative = () =>
  z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' });
export const positiveInt = () =>
  z
    .number({ error: 'expected a whole number ≥ 1' })
    .int({ error: 'expected a whole number ≥ 1' })
    .min(1, { error: 'expected a whole number ≥ 1' });
export const nonNegativeInt = () =>
  z
    .number({ error: 'expected a whole number ≥ 0' })
    .int({ error: 'expected a whole number ≥ 0' })
    .min(0, { error: 'expected a whole number ≥ 0' });
export const textList = () => z.array(text(), { error: 'expected a list of strings' });
export const textMap = () =>
  z.record(text(), text(), { error: 'expected an object mapping names to strings' });
export const duration = () =>
  text().regex(DURATION_PATTERN, {
    error: 'expected a duration like "30s", "5m", "1h", "1d", "1w", "1M" or "1Y"',
  });
export const id = () => nonEmptyText().max(128, { error: 'expected an id of at most 128 characters' });
export const anyJson = () => z.record(text(), z.unknown(), { error: 'expected an object' });
