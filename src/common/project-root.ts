import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding Verdict's `package.json`, found by walking up from this file, so that data files shipped in the
 * source tree (JSON Schemas) are found the same way from `src/` (Jest), `dist/src/` (node) and any working directory.
 * @throws Error when no Verdict package.json is found above this file
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'verdict') {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Verdict project root (package.json named "verdict")');
    dir = parent;
  }
}
