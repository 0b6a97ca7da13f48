import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Salted slow hashes of static bearer tokens, in the text form `scrypt$N$r$p$salt$hash` (salt and hash in base64url
 * without padding; the hash is 32 bytes). scrypt is RFC 7914 (node:crypto); its cost parameters travel with the
 * hash, so raising them later keeps the tokens hashed before valid.
 */

/** The parts of a `scrypt$N$r$p$salt$hash` string. */
export interface TokenHash {
  /** CPU/memory cost: a power of two from 2^10 to 2^20. */
  N: number;
  /** Block size, 1-32. */
  r: number;
  /** Parallelisation, 1-16. */
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** The cost hashes are made with unless told otherwise: N = 2^15, r = 8, p = 1 (about 32 MiB and 50-100 ms a hash). */
export const DEFAULT_TOKEN_HASH_COST = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const FORMAT = /^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{43})$/;

/** What `parseTokenHash` accepts, for messages. */
export const TOKEN_HASH_FORMAT = 'scrypt$N$r$p$salt$hash (N a power of two from 1024 to 1048576, r 1-32, p 1-16, base64url salt of 12 bytes or more and 32-byte hash)';

/**
 * Parses a `scrypt$N$r$p$salt$hash` string.
 * @param text the stored hash
 * @returns its parts, or undefined when it is not in that form or its parameters are out of range
 */
export function parseTokenHash(text: string): TokenHash | undefined {
  const match = FORMAT.exec(text);
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = Number.isInteger(Math.log2(N));
  if (!powerOfTwo || N < 2 ** 10 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(match[4], 'base64url');
  if (salt.length < 12) return undefined;
  return { N, r, p, salt, hash: Buffer.from(match[5], 'base64url') };
}

function derive(token: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: scrypt needs 128 * N * r * p bytes; twice that leaves room for its own bookkeeping.
    scrypt(token.normalize('NFC'), salt, 32, { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r * cost.p },
      (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Hashes a token with a new random 16-byte salt.
 * @param token the bearer token (NFC-normalised first)
 * @param cost scrypt parameters (default `DEFAULT_TOKEN_HASH_COST`)
 * @returns `scrypt$N$r$p$salt$hash`
 */
export async function hashToken(token: string, cost: { N: number; r: number; p: number } = DEFAULT_TOKEN_HASH_COST): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(token, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * True when `token` hashes to `stored` (constant-time comparison of the derived keys). Runs scrypt in libuv's thread
 * pool: callers bound how many run at once.
 */
export async function verifyToken(token: string, stored: TokenHash): Promise<boolean> {
  const derived = await derive(token, stored.salt, stored);
  return derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
}
