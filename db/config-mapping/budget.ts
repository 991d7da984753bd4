/** Budget rows ↔ `governance.budgets[]`: dollars in the file, integer micro-dollars stored. */
import type { z } from 'zod';
import type { budget } from '../config/governance.ts';
import {
  dollarsToMicros,
  microsToDollars,
  type BudgetInput,
  type BudgetRecord,
} from '../repositories/budgets.ts';

type BudgetEntity = z.infer<typeof budget>;

export function budgetToConfig(row: BudgetRecord): BudgetEntity {
  return {
    id: row.id,
    max_limit: microsToDollars(row.maxLimitMicros),
    reset_duration: row.resetDuration,
    calendar_aligned: row.calendarAligned,
    mode: row.mode,
  };
}

export function budgetFromConfig(entity: BudgetEntity): BudgetInput {
  return {
    id: entity.id,
    maxLimitMicros: dollarsToMicros(entity.max_limit),
    resetDuration: entity.reset_duration,
    calendarAligned: entity.calendar_aligned,
    mode: entity.mode,
  };
}
