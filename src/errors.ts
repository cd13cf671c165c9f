/**
 * Errors a user can act on. Every failure that reaches a person (chat, CLI, log) carries a stable
 * code, a message that says what went wrong, and a hint that says what to do about it.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'tenant_unknown'
  | 'tenant_file_invalid'
  | 'input_invalid'
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'store_unavailable'
  | 'provider_unavailable'
  | 'internal';

export class CompanionError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CompanionError';
    this.code = code;
    this.hint = options.hint;
  }

  /** One line for a chat message or a terminal: the problem, then what to do. */
  toUserText(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isCompanionError(value: unknown): value is CompanionError {
  return value instanceof CompanionError;
}

/** The message of anything thrown, without leaking stack traces into chat. */
export function describeError(error: unknown): string {
  if (error instanceof CompanionError) return error.toUserText();
  if (error instanceof Error) return error.message;
  return String(error);
}
