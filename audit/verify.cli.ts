import 'reflect-metadata';
import { USAGE, verifyCommand } from './verify-command.js';

// `audit/verify` (npm run audit:verify): exit 0 intact, 1 broken, 2 usage or connection error.
verifyCommand(process.argv.slice(2), process.env, (text) => process.stdout.write(text)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`audit/verify: ${(error as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
});
