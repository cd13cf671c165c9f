import { MetricsError } from './failure.ts';

/**
 * Settles with `work`, or rejects with a timeout MetricsError at the deadline and aborts the
 * signal handed to `work` so the SDK call is cancelled rather than left running.
 */
export async function beforeDeadline<T>(deadline: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw timeoutError(what);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timeoutError(what));
    }, remaining);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function timeoutError(what: string): MetricsError {
  return new MetricsError('timeout', `${what} did not answer in time; try again, or ask for a shorter window.`);
}
