import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../common/project-root.js';

/**
 * The Verdict build that makes a decision, recorded in each decision (`verdict` member) so that a decision can be
 * reproduced later with the same code: the package version (`package.json`) and the git commit.
 */
export interface VerdictBuild {
  /** `version` of Verdict's `package.json` (semver). */
  version: string;
  /** Full git commit id the build came from (40 or 64 hex digits), or `unknown` when it cannot be told. */
  commit: string;
}

/** Where `npm run build` records the commit, relative to the project root (read by the compiled service). */
export const BUILD_INFO_FILE = join('dist', 'build-info.json');

const UNKNOWN = 'unknown';
const COMMIT = /^[0-9a-f]{7,64}$/;

let detected: VerdictBuild | undefined;

/**
 * The build of this process. The commit is, in order: `commitOverride` (`VERDICT_COMMIT`, validated by the
 * configuration), the one `npm run build` wrote to `dist/build-info.json` when this code runs compiled from `dist/`,
 * else `git rev-parse HEAD` in the project root when it runs from its sources (Jest), else `unknown` (no git, not a
 * checkout). What is read from disk or git is found once per process. Never throws: a decision is not refused for
 * want of its build's name.
 *
 * @param commitOverride a commit id that wins over what the build recorded (7-64 lowercase hex digits)
 * @returns `{version, commit}` (frozen)
 */
export function verdictBuild(commitOverride?: string): VerdictBuild {
  if (!detected) {
    const root = projectRoot();
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    detected = Object.freeze({ version, commit: runningCompiled(root) ? recordedCommit(root) : gitCommit(root) });
  }
  return commitOverride === undefined ? detected : Object.freeze({ version: detected.version, commit: commitOverride });
}

/**
 * The commit of the checkout in `root` (`git rev-parse HEAD`), or `unknown` when git is missing, `root` is not a
 * work tree, or git answers something that is not a commit id.
 */
export function gitCommit(root: string): string {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return COMMIT.test(out) ? out : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

/** True when this module was loaded from the compiled `dist/` tree rather than from its TypeScript sources. */
function runningCompiled(root: string): boolean {
  return relative(root, fileURLToPath(import.meta.url)).split(sep)[0] === 'dist';
}

/** The commit `npm run build` recorded, or `unknown` when the file is missing or unreadable. */
function recordedCommit(root: string): string {
  const file = join(root, BUILD_INFO_FILE);
  try {
    if (!existsSync(file)) return UNKNOWN;
    const commit = (JSON.parse(readFileSync(file, 'utf8')) as { commit?: unknown }).commit;
    return typeof commit === 'string' && COMMIT.test(commit) ? commit : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}
