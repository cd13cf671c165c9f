import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * API key material. A key is `cc_<keyId>_<secret>`: the key id (16 hex characters) is public and
 * finds the stored record; the secret (32 random bytes, base64url) is shown once and stored only as
 * an scrypt hash with a per-key salt.
 */
export const keyPattern = /^cc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  keyId: string;
  secret: string;
}

export function parseKey(text: string): ParsedKey | undefined {
  const match = keyPattern.exec(text.trim());
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
}

export function newKey(): { key: string; keyId: string; secret: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `cc_${keyId}_${secret}`, keyId, secret };
}

/** The key id, for messages and logs; never the secret. */
export function keyIdOf(text: string): string | undefined {
  return /^cc_([0-9a-f]{16})_/.exec(text.trim())?.[1];
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 bytes = 32 MiB per hash, tens of milliseconds: slow for guessing, fine per key use. */
const defaultParams: ScryptParams = { N: 32_768, r: 8, p: 1 };
const keyLength = 32;

function derive(secret: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

/** `scrypt$N$r$p$salt$hash`, so stored hashes keep working if the parameters change. */
export async function hashSecret(secret: string, params: ScryptParams = defaultParams): Promise<string> {
  const salt = randomBytes(16);
  const derived = await derive(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), derived.toString('base64url')].join('$');
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== keyLength) return false;
  const derived = await derive(secret, Buffer.from(salt, 'base64url'), params);
  return timingSafeEqual(derived, expected);
}
