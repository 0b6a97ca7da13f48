import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import semver from 'semver';
import type { RulebookDocument } from './rulebook.types.js';
import { validateRulebookDocument } from './rulebook-schema.validator.js';

/** A rulebook file read from disk. */
export interface RulebookFile {
  path: string;
  document: RulebookDocument;
}

/** Thrown for a bundled rulebook file that cannot be used; the message names the file and the JSON pointer(s). */
export class RulebookFileError extends Error {
  constructor(readonly file: string, readonly problems: { pointer: string; message: string }[]) {
    super(`Invalid rulebook file ${file}:\n${problems.map((p) => `  - at "${p.pointer || '/'}": ${p.message}`).join('\n')}`);
    this.name = 'RulebookFileError';
  }
}

/**
 * Reads and validates one rulebook file (JSON, the rulebook JSON Schema).
 * @throws RulebookFileError naming the file and each JSON pointer that breaks the schema
 */
export function readRulebookFile(path: string): RulebookFile {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RulebookFileError(path, [{ pointer: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const problems = validateRulebookDocument(document);
  if (problems.length > 0) throw new RulebookFileError(path, problems);
  return { path, document: document as RulebookDocument };
}

/**
 * Reads every bundled rulebook, `<dir>/<key>/<semver>.json`, checking that the key and version inside the file match
 * its path. Files are returned by key, then by ascending semver.
 * @throws RulebookFileError on the first file that is invalid or misplaced
 */
export function readRulebookDirectory(dir: string): RulebookFile[] {
  if (!existsSync(dir)) return [];
  const files: RulebookFile[] = [];
  for (const key of readdirSync(dir).sort()) {
    const keyDir = join(dir, key);
    if (!statSync(keyDir).isDirectory()) continue;
    for (const name of readdirSync(keyDir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(keyDir, name);
      const version = name.slice(0, -'.json'.length);
      const shown = relative(process.cwd(), path) || path;
      if (!semver.valid(version)) throw new RulebookFileError(shown, [{ pointer: '', message: `file name must be <semver>.json, got ${name}` }]);
      const file = readRulebookFile(path);
      const problems = [];
      if (file.document.key !== key) problems.push({ pointer: '/key', message: `must equal the folder name "${key}"` });
      if (file.document.version !== version) problems.push({ pointer: '/version', message: `must equal the file name "${version}"` });
      if (problems.length > 0) throw new RulebookFileError(shown, problems);
      files.push({ path: shown, document: file.document });
    }
  }
  return files.sort((a, b) => a.document.key.localeCompare(b.document.key) || semver.compare(a.document.version, b.document.version));
}
