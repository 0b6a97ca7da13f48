import { hashToken, parseTokenHash, verifyToken } from './token-hash.js';

/** Cheap parameters: the tests check the format and the comparison, not the cost. */
const CHEAP = { N: 1024, r: 8, p: 1 };

describe('static token hashes (scrypt)', () => {
  it('hashes with a fresh salt each time, and verifies the token it hashed and nothing else', async () => {
    const token = 'a3f1c0de-token-with-enough-entropy';
    const [first, second] = [await hashToken(token, CHEAP), await hashToken(token, CHEAP)];
    expect(first).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    const parsed = parseTokenHash(first)!;
    expect(await verifyToken(token, parsed)).toBe(true);
    expect(await verifyToken(token + 'x', parsed)).toBe(false);
    expect(await verifyToken(token.slice(0, -1), parsed)).toBe(false);
    expect(await verifyToken(token, parseTokenHash(second)!)).toBe(true);
  });

  it('reads the cost from the stored hash, so hashes made with another cost stay valid', async () => {
    const stored = await hashToken('another-long-enough-token', { N: 2048, r: 4, p: 2 });
    expect(parseTokenHash(stored)).toMatchObject({ N: 2048, r: 4, p: 2 });
    expect(await verifyToken('another-long-enough-token', parseTokenHash(stored)!)).toBe(true);
  });

  it.each([
    ['a sha256 hex digest', 'a'.repeat(64)],
    ['another algorithm', 'bcrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['N not a power of two', 'scrypt$16000$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['N below 2^10', 'scrypt$512$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['N above 2^20', 'scrypt$2097152$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['r 0', 'scrypt$16384$0$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['p 17', 'scrypt$16384$8$17$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['a salt of 8 bytes', 'scrypt$16384$8$1$c2FsdHNhbHQ$' + 'A'.repeat(43)],
    ['a short hash', 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(42)],
    ['padding', 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$' + 'A'.repeat(43)],
  ])('refuses %s', (_what, text) => {
    expect(parseTokenHash(text)).toBeUndefined();
  });
});
