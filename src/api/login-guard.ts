import type { Logger } from '../logging.ts';
import type { AuditLog } from '../stores/audit.ts';
import { Buckets } from './rate-limit.ts';

/** Failed API-key logins allowed a minute, per source address and per key id, before any more are refused unhashed. */
export interface LoginFailureLimits {
  perSourcePerMinute: number;
  perKeyPerMinute: number;
}

export const defaultLoginFailureLimits: LoginFailureLimits = { perSourcePerMinute: 10, perKeyPerMinute: 30 };

/**
 * Counts failed logins in token buckets (one per source address, one per key id) and refuses a
 * login outright, before the store is read or any scrypt hash runs, once either bucket is empty.
 * Each checked login reserves a failure and a success gives it back, so a busy client with a good
 * key is never slowed by its own traffic.
 */
export class LoginFailureLimiter {
  private readonly sources: Buckets;
  private readonly keys: Buckets;
  private checks = 0;

  constructor(limits: LoginFailureLimits, private readonly now: () => number = Date.now) {
    this.sources = new Buckets(limits.perSourcePerMinute);
    this.keys = new Buckets(limits.perKeyPerMinute);
  }

  /**
   * Reserves one failure from the source's and the key id's budget before a login is checked, so
   * concurrent attempts cannot all pass the check before any has failed. Returns the seconds to wait
   * when either budget is spent (nothing is reserved then), else undefined.
   */
  reserve(source: string, keyId: string): number | undefined {
    const now = this.now();
    if (++this.checks % 1_000 === 0) {
      this.sources.sweep(now);
      this.keys.sweep(now);
    }
    const bySource = this.sources.level(source, now);
    const byKey = this.keys.level(keyId, now);
    const wait = Math.max(this.sources.waitMs(bySource), this.keys.waitMs(byKey));
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    bySource.tokens -= 1;
    byKey.tokens -= 1;
    return undefined;
  }

  /** The login succeeded: what it reserved goes back. */
  succeeded(source: string, keyId: string): void {
    const now = this.now();
    for (const [buckets, id] of [[this.sources, source], [this.keys, keyId]] as const) {
      const bucket = buckets.level(id, now);
      bucket.tokens = Math.min(buckets.perMinute, bucket.tokens + 1);
    }
  }
}

interface Window {
  orgId: string | undefined;
  keyId: string;
  reason: string;
  count: number;
}

/**
 * Audit entries for refused logins, aggregated: the first refusal of a key for a reason is written
 * at once, further ones within the window are counted and written as one entry when it closes. A
 * flood of 400 wrong secrets makes two entries, not 400. Refusals of key ids that do not exist have
 * no organization to audit in: they are logged, aggregated the same way.
 */
export class RejectionAudit {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly audit: AuditLog, private readonly log: Logger, private readonly now: () => Date, private readonly windowMs = 60_000) {}

  /** Resolves once the window's first entry is written (later ones in the window return at once). */
  async record(orgId: string | undefined, keyId: string, reason: string): Promise<void> {
    const id = `${orgId ?? ''}\u0000${keyId}\u0000${reason}`;
    const open = this.windows.get(id);
    if (open) {
      open.count += 1;
      return;
    }
    const window: Window = { orgId, keyId, reason, count: 0 };
    this.windows.set(id, window);
    setTimeout(() => {
      this.windows.delete(id);
      if (window.count > 0) void this.write(window, window.count);
    }, this.windowMs).unref();
    await this.write(window, 1);
  }

  /** A rejection is answered even when the audit log is down; the log line keeps the trace. */
  private async write(window: Window, attempts: number): Promise<void> {
    const { orgId, keyId, reason } = window;
    if (!orgId) {
      this.log.warn({ keyId, reason, attempts, windowSeconds: this.windowMs / 1000 }, 'API key login refused for a key id that does not exist');
      return;
    }
    try {
      await this.audit.append({ orgId, at: this.now().toISOString(), actor: `apikey:${keyId}`, type: 'api_key.rejected', subjectId: keyId, detail: { reason, attempts, windowSeconds: this.windowMs / 1000 } });
    } catch (error) {
      this.log.error({ err: error, orgId, keyId, reason, attempts }, 'could not audit a rejected API key');
    }
  }
}
