/** What an Azure core pipeline policy is (@azure/core-rest-pipeline's PipelinePolicy), stated structurally. */
export interface TimeoutPolicy {
  name: string;
  sendRequest<R extends { timeout: number }, S>(request: R, next: (request: R) => Promise<S>): Promise<S>;
}

/**
 * Bounds of outbound calls to the cloud providers' APIs, in one place (documented in the README,
 * "Timeouts"). Each is per request on the wire; the callers' own deadlines (METRICS_TIMEOUT_SECONDS,
 * AGENT_TIMEOUT_SECONDS, a crawl's abort signal) still apply on top.
 */
export const cloudTimeouts = {
  /** Establishing a TCP/TLS connection to a provider endpoint. */
  connectMs: 5_000,
  /** One request, from sending it to the end of its response. */
  requestMs: 30_000,
  /** GCP operations.wait is answered by Google after up to two minutes: its calls get that much and a margin. */
  gcpCallMs: 150_000,
} as const;

/** The AWS SDK v3 `requestHandler` option: NodeHttpHandler timeouts (the SDK has none by default). */
export function awsRequestHandler(): { connectionTimeout: number; requestTimeout: number } {
  return { connectionTimeout: cloudTimeouts.connectMs, requestTimeout: cloudTimeouts.requestMs };
}

/** An Azure core pipeline policy that gives every request a timeout unless the caller set one (core-rest-pipeline's default is none). */
export function azureTimeoutPolicy(timeoutMs: number = cloudTimeouts.requestMs): TimeoutPolicy {
  return {
    name: 'cloudCompanionRequestTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/** The `additionalPolicies` client option of Azure SDK clients (arm-compute, arm-appservice, …). */
export function azureClientOptions(): { additionalPolicies: { policy: TimeoutPolicy; position: 'perCall' }[] } {
  return { additionalPolicies: [{ policy: azureTimeoutPolicy(), position: 'perCall' }] };
}

/** Runs `work` and gives up after `timeoutMs` with an error naming `what` (for SDKs without a per-client timeout, e.g. google-gax calls). */
export async function withinTime<T>(timeoutMs: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fetch that aborts a request (and its body) after `timeoutMs`, or sooner when the caller aborts. */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}
