import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gitCommit, verdictBuild } from './build-info.js';

describe('verdictBuild', () => {
  const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

  it('names the package version and, running from the sources, the commit checked out', () => {
    let head = 'unknown';
    try {
      head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Not a git checkout (a source archive): the build is then `unknown` too.
    }
    expect(verdictBuild()).toEqual({ version: packageVersion, commit: head });
  });

  it('takes VERDICT_COMMIT over what it found', () => {
    expect(verdictBuild('0123456789abcdef0123456789abcdef01234567')).toEqual({ version: packageVersion, commit: '0123456789abcdef0123456789abcdef01234567' });
    expect(verdictBuild().commit).not.toBe('0123456789abcdef0123456789abcdef01234567');
  });
});

describe('gitCommit', () => {
  it('says unknown outside a git work tree instead of failing', () => {
    expect(gitCommit(tmpdir())).toBe('unknown');
  });
});
