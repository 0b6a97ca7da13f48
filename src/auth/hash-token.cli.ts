import { DEFAULT_TOKEN_HASH_COST, hashToken } from '../common/token-hash.js';

/**
 * `npm run -s auth:hash-token`: reads a static bearer token on stdin and prints its salted scrypt hash
 * (`scrypt$N$r$p$salt$hash`) for `tokenHash` in `AUTH_TOKENS` or `AUTH_TOKENS_FILE` (README "Authentication").
 * One trailing newline is ignored (`echo "$TOKEN" |` and `printf %s "$TOKEN" |` hash the same). Exits 2 when stdin is
 * a terminal or the token is shorter than 16 characters (a guessable token is not made safe by a slow hash).
 */
async function main(): Promise<void> {
  if (process.stdin.isTTY) {
    process.stderr.write('Pipe the token on stdin: TOKEN=$(openssl rand -hex 32); printf %s "$TOKEN" | npm run -s auth:hash-token\n');
    process.exit(2);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    process.stderr.write('The token must be at least 16 visible ASCII characters (openssl rand -hex 32 makes a good one)\n');
    process.exit(2);
  }
  process.stdout.write(`${await hashToken(token, DEFAULT_TOKEN_HASH_COST)}\n`);
}

void main();
