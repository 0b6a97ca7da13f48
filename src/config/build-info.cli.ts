import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../common/project-root.js';
import { BUILD_INFO_FILE, gitCommit } from './build-info.js';

/**
 * Run by `npm run build` after `tsc`: records the git commit being built in `dist/build-info.json`
 * (`{"version": "<package.json version>", "commit": "<sha or unknown>"}`), so that the compiled service names its
 * build in every decision without needing git at run time. Without git (a source archive) the commit is `unknown`;
 * set `VERDICT_COMMIT` when starting the service to name it then.
 */
const root = projectRoot();
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const file = join(root, BUILD_INFO_FILE);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify({ version, commit: gitCommit(root) }, null, 2) + '\n');
