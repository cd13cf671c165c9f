/**
 * Claims a key once: the first caller gets true, every later caller (a Slack retry, a second replica)
 * gets false until the key expires.
 */
export interface IdempotencyStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a claim whose work could not be accepted, so the sender's retry is not taken for a duplicate. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}
