/**
 * Claims a key once: the first caller gets true, every later caller (a Slack retry, a second replica)
 * gets false until the key expires.
 */
export interface IdempotencyStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}
