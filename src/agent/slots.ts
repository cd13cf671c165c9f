import pLimit, { type LimitFunction } from 'p-limit';

/**
 * At most `limit` investigations at once; the rest wait their turn in arrival order. Investigations
 * are CPU and I/O heavy, and a burst of them would otherwise starve what must stay fast (Slack's
 * 3-second ack, Teams' invoke answer) on the same event loop.
 */
export class InvestigationSlots {
  private readonly gate: LimitFunction;

  constructor(readonly limit: number) {
    this.gate = pLimit(limit);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.gate(work);
  }

  /** Investigations running now. */
  get running(): number {
    return this.gate.activeCount;
  }

  /** Investigations waiting for a slot. */
  get waiting(): number {
    return this.gate.pendingCount;
  }
}
