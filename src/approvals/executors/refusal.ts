import type { Check } from '../executor.ts';

/**
 * A provider said no (permissions, wrong state, not found, throttled), or our own pre-check did. The
 * handlers throw it; the live executor turns it into `ok: false` with the provider's code and reason,
 * which the thread shows as is.
 */
export class ProviderRefusal extends Error {
  /** True when our own pre-check (the target's state as the provider reported it) refused, not the provider's API. */
  readonly own: boolean;

  constructor(readonly provider: 'AWS' | 'Azure' | 'GCP', readonly code: string, message: string, readonly hint?: string, options: { cause?: unknown; own?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderRefusal';
    this.own = options.own ?? false;
  }

  toCheck(what: string): Check {
    const lead = this.own ? `Cannot ${what}` : `${this.provider} refused to ${what}`;
    return { ok: false, message: `${lead}: ${this.code}: ${trimMessage(this.message)}${this.hint ? ` ${this.hint}` : ''}`, providerCode: this.code };
  }
}

/** Provider messages can be long (EC2 appends an encoded authorization blob); keep what a person reads. */
function trimMessage(message: string): string {
  const cut = message.replace(/\s*Encoded authorization failure message:.*$/s, '').trim();
  const clean = cut.endsWith('.') ? cut : `${cut}.`;
  return clean.length > 600 ? `${clean.slice(0, 597)}...` : clean;
}

export interface ErrorShape {
  name: string;
  message: string;
  status?: number;
}

/** Name, message and HTTP status of anything an SDK throws. */
export function errorShape(error: unknown): ErrorShape {
  if (error instanceof Error) {
    const e = error as Error & { statusCode?: unknown; status?: unknown; code?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
    const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : e.$metadata?.httpStatusCode;
    // The provider's own code: Azure's RestError `code`, AWS query-protocol `Code` (the SDK's class name may add "Fault").
    const name = typeof e.code === 'string' && e.name === 'RestError' ? e.code : typeof e.Code === 'string' ? e.Code : e.name;
    return { name, message: e.message, ...(status !== undefined ? { status } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** Hints keyed by the kind of refusal, worded for the person reading the thread. */
export function hintFor(kind: 'permission' | 'credentials' | 'throttled' | 'not_found' | 'state', detail: string): string {
  switch (kind) {
    case 'permission':
      return `Grant ${detail} to the identity the bot uses in this account, then approve a new request.`;
    case 'credentials':
      return `The bot has no usable credentials for ${detail}; check the account's settings in tenants.yaml and the bot's environment.`;
    case 'throttled':
      return 'The provider is throttling requests; try again in a minute.';
    case 'not_found':
      return `${detail} does not exist any more, or is not where the resource graph says; re-ingest the estate.`;
    case 'state':
      return detail;
  }
}
