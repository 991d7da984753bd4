/**
 * A governance channel kept in this process, for a control plane that offers none (tests, a
 * bare gateway): meters from the current snapshot's limits in a MeterTable, nothing persisted,
 * request logs discarded. Correct for one replica only.
 */
import type {
  GovernanceChannel,
  LeaseGrant,
  LeaseRequest,
  UsageReport,
} from '../../clients/contract/governance.ts';
import { MeterTable } from '../../clients/contract/meter-table.ts';
import { parseWindow } from '../../clients/contract/windows.ts';
import type { GovernanceView } from './compile.ts';

export class LocalChannel implements GovernanceChannel {
  readonly table: MeterTable;

  constructor(
    private readonly view: () => GovernanceView,
    now: () => number,
  ) {
    this.table = new MeterTable(now);
  }

  private configure(request: LeaseRequest): void {
    const view = this.view();
    if (request.kind === 'budget') {
      const b = view.budgets.get(request.id);
      if (b)
        this.table.configure(
          'budget',
          b.id,
          b.max_limit_micros,
          parseWindow(b.reset_duration, b.calendar_aligned),
        );
      return;
    }
    const r = view.rateLimits.get(request.id);
    if (!r) return;
    if (request.kind === 'requests')
      this.table.configure('requests', r.id, r.request_max_limit ?? 0, parseWindow(r.request_reset_duration));
    else this.table.configure('tokens', r.id, r.token_max_limit ?? 0, parseWindow(r.token_reset_duration));
  }

  acquireLease(request: LeaseRequest): Promise<LeaseGrant> {
    this.configure(request);
    return Promise.resolve(this.table.grant(request));
  }

  reportUsage(report: UsageReport): Promise<void> {
    this.table.applyLedger(report.ledger);
    for (const ret of report.rateReturns) this.table.returnRate(ret);
    return Promise.resolve();
  }

  writeRequestLogs(): Promise<void> {
    return Promise.resolve();
  }
}
