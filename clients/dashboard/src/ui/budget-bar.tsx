/**
 * One budget as a bar: settled spend, then in-flight reservations (leases) in a lighter hatch,
 * against the limit. Reserved is drawn apart from spent so a lease taken and returned moves only
 * its own segment; the spent segment only ever grows within a window.
 */
import { money, timeZone, when } from '../format.ts';

export interface BudgetCounters {
  id: string;
  maxLimit: number;
  currentUsage: number;
  reserved: number;
  remaining: number;
  mode: 'SOFT' | 'STRICT';
  resetDuration: string;
  resetsAt: string | null;
  exhausted: boolean;
}

const share = (part: number, whole: number) => (whole <= 0 ? 0 : Math.min(100, (part / whole) * 100));

export function BudgetBar(props: { budget: BudgetCounters; owner: string }) {
  const { budget } = props;
  const spent = share(budget.currentUsage, budget.maxLimit);
  const reserved = Math.min(100 - spent, share(budget.reserved, budget.maxLimit));
  const label = `${props.owner}: ${money(budget.currentUsage)} spent, ${money(budget.reserved)} reserved, of ${money(budget.maxLimit)}`;
  return (
    <div class={`budget${budget.exhausted ? ' exhausted' : ''}`} data-budget={budget.id}>
      <div class="budget-head">
        <span class="budget-owner">{props.owner}</span>
        <span class={`badge ${budget.mode === 'STRICT' ? 'strict' : 'soft'}`} title={modeHint(budget.mode)}>
          {budget.mode === 'STRICT' ? 'strict' : 'soft'}
        </span>
        {budget.exhausted ? <span class="badge danger">exhausted</span> : null}
      </div>
      <div
        class="bar"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={budget.maxLimit}
        aria-valuenow={budget.currentUsage}
      >
        <span class="bar-spent" style={{ width: `${spent}%` }} />
        <span class="bar-reserved" style={{ width: `${reserved}%` }} />
      </div>
      <div class="budget-figures">
        <span>
          <b data-testid="spent">{money(budget.currentUsage)}</b> spent
        </span>
        <span>
          <b data-testid="reserved">{money(budget.reserved)}</b> reserved
        </span>
        <span>
          <b>{money(budget.remaining)}</b> left of {money(budget.maxLimit)}
        </span>
        <span class="muted">
          every {budget.resetDuration}
          {budget.resetsAt ? `, resets ${when(budget.resetsAt)} (${timeZone()})` : ''}
        </span>
      </div>
    </div>
  );
}

function modeHint(mode: 'SOFT' | 'STRICT'): string {
  return mode === 'STRICT'
    ? "Strict: each request's worst-case cost is reserved up front; the limit is never overshot."
    : 'Soft: requests are refused once spend has reached the limit.';
}
