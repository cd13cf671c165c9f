import { isTransientNetwork, isUnknownHost } from '../../metrics/failure.ts';
import { CrawlError } from '../types.ts';

const throttling = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'SlowDown', 'RequestThrottled', 'ProvisionedThroughputExceededException']);
const credentialErrors = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'MissingAuthenticationToken', 'IncompleteSignature', 'CredentialsProviderError', 'InvalidAccessKeyId', 'AuthFailure']);
const denied = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'AuthorizationErrorException']);
const optIn = new Set(['OptInRequired', 'UnrecognizedClientException']);

/** Maps an AWS SDK error (after the SDK's own retries) to a failure naming what to grant or wait for. */
export function toCrawlError(error: unknown, where: string, permissions: string): CrawlError {
  if (error instanceof CrawlError) return error;
  const e = error as { name?: string; Code?: string; message?: string; reason?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
  const codes = [e.name, e.Code].filter((c): c is string => typeof c === 'string');
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(error)).replace(/[.\s]*$/, '.');
  // Credential failures raised by the credential provider (assuming the role) keep their own message.
  if (e.name === 'MetricsError' && (e.reason === 'access_denied' || e.reason === 'credentials')) return new CrawlError(e.reason, message, { cause: error });
  if (codes.some((c) => throttling.has(c)) || status === 429) {
    return new CrawlError('throttled', `${where} kept throttling after ${e.$metadata?.attempts ?? 'several'} attempts with backoff (${codes[0] ?? status}); the next crawl will try again.`, { cause: error });
  }
  if (codes.some((c) => denied.has(c)) || status === 403) {
    return new CrawlError('access_denied', `${where} refused access (${codes[0] ?? status}): ${message} The crawl role needs ${permissions} (docs/crawlers.md).`, { cause: error });
  }
  if (codes.some((c) => optIn.has(c))) return new CrawlError('not_found', `${where} is not enabled for this account (${codes[0]}).`, { cause: error });
  if (codes.some((c) => credentialErrors.has(c))) return new CrawlError('credentials', `AWS credentials for ${where} are missing or expired (${codes[0]}): ${message}`, { cause: error });
  if (isUnknownHost(error)) return new CrawlError('not_found', `${where} has no endpoint (${message}); check the region name.`, { cause: error });
  if ((status !== undefined && status >= 500) || isTransientNetwork(error)) return new CrawlError('unavailable', `${where} is unavailable (${codes[0] ?? status}): ${message}`, { cause: error });
  if (status !== undefined && status >= 400) return new CrawlError('invalid', `${where} rejected the request (${codes[0] ?? status}): ${message}`, { cause: error });
  return new CrawlError('unavailable', `${where} failed: ${message}`, { cause: error });
}
