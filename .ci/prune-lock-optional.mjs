// The npm registry this project's machines reach lacks some platform builds of native packages (for example
// @swc/core-darwin-arm64@1.16.22). `npm install` then writes a package-lock.json whose entries name optional
// dependencies it does not contain, and `npm ci` refuses it ("Missing: … from lock file"). This drops, from every
// lock entry, the optional dependencies that have no entry of their own, so `npm ci` accepts the lock on any machine
// (a platform whose build is absent simply lacks that optional binary, as `npm install` already decided).
// Run after `npm install`: node .ci/prune-lock-optional.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const present = new Set(Object.keys(lock.packages).map((path) => path.replace(/^.*node_modules\//, '')));
let pruned = 0;
for (const entry of Object.values(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      pruned += 1;
    }
  }
}
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`pruned ${pruned} optional dependencies absent from the lock`);
