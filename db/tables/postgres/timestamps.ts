import { millis } from './columns.ts';

/**
 * Row bookkeeping. Values are set in JS rather than by SQL defaults so both dialects store the
 * same epoch-millisecond numbers and a test can freeze or compare them.
 */
export const timestamps = () => ({
  createdAt: millis('created_at')
    .notNull()
    .$defaultFn(() => Date.now()),
  updatedAt: millis('updated_at')
    .notNull()
    .$defaultFn(() => Date.now())
    .$onUpdateFn(() => Date.now()),
});
