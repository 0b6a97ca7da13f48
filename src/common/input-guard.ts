/**
 * Input hardening applied to every request before any library (class-transformer, class-validator, Ajv, the rules
 * engine, the PostgreSQL driver) sees it (issue 9; README "Input limits"):
 *
 * - JSON nesting deeper than a configured limit (`JSON_MAX_DEPTH`, default 64) is refused: recursive libraries
 *   overflow the stack on a few thousand levels, and no Verdict input needs more than about 20.
 * - U+0000 and lone surrogates (UTF-16 code units U+D800 to U+DFFF not part of a pair) are refused in JSON strings and
 *   keys, path parameters, query parameters and the headers Verdict stores. PostgreSQL cannot store U+0000 in `text`
 *   or `jsonb` (SQLSTATE 22021 / 22P05), and a lone surrogate is not Unicode text (RFC 8259 section 8.2: such a string
 *   has unpredictable behaviour): neither is a clinical value or an identifier.
 *
 * Every check here is iterative (an explicit stack), so no input can overflow the stack of the checker itself.
 */
import { DomainError, pointerToken, type ProblemPointer } from './domain-error.js';

/** The default JSON nesting limit: objects and arrays at most 64 levels deep (the outermost is level 1). */
export const DEFAULT_JSON_MAX_DEPTH = 64;

/** At most this many refused characters are listed in one problem. */
const MAX_LISTED = 20;

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const REFUSED_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const REFUSED_CHARACTERS = new RegExp(REFUSED_CHARACTER.source, 'g');

/**
 * In JSON text, U+0000 and lone surrogates can only be written as `\u` escapes (a raw NUL in a string is invalid JSON,
 * and UTF-8 cannot encode a surrogate): text without such an escape needs no character check after parsing.
 */
const ESCAPED_REFUSED_CHARACTER = /\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2})/;

/**
 * The first character of `text` that Verdict refuses, described for a message.
 * @returns `U+0000`, `a lone surrogate (U+D800)`, or undefined when the text is acceptable
 */
export function refusedCharacter(text: string): string | undefined {
  const match = REFUSED_CHARACTER.exec(text);
  if (!match) return undefined;
  const unit = match[0].charCodeAt(0);
  return unit === 0 ? 'U+0000' : `a lone surrogate (U+${unit.toString(16).toUpperCase()})`;
}

/** `text` with each refused character replaced by U+FFFD, to name a key in a pointer without echoing the character. */
export function withoutRefusedCharacters(text: string): string {
  return text.replace(REFUSED_CHARACTERS, '\ufffd');
}

/** What is wrong with a parsed JSON body: too deep (one problem), or refused characters (one per place). */
export interface JsonBodyProblems {
  code: 'JSON_TOO_DEEP' | 'INVALID_CHARACTER';
  problems: ProblemPointer[];
}

/** A container on the walk's stack; its JSON Pointer is built from the parent links only when a problem is found. */
interface Frame {
  node: object;
  depth: number;
  parent?: Frame;
  token?: string;
}

function pointerOf(frame: Frame | undefined): string {
  const tokens: string[] = [];
  for (let at = frame; at?.parent; at = at.parent) tokens.push(at.token!);
  return tokens.reverse().map((token) => '/' + token).join('');
}

/**
 * Checks a parsed JSON value, iteratively: nesting depth, and (when `checkText`) every string and key for U+0000 and
 * lone surrogates.
 *
 * @param value the parsed JSON
 * @param maxDepth the deepest nesting allowed (the outermost object or array is level 1)
 * @param checkText whether to check strings and keys (see {@link mayHoldRefusedCharacter})
 * @returns undefined when the value is acceptable; else `JSON_TOO_DEEP` with one pointer, the deepest allowed level
 *   under which the value goes on (RFC 6901; a key is escaped and its refused characters shown as U+FFFD), or
 *   `INVALID_CHARACTER` with a pointer per string or key that holds one (at most 20)
 */
export function checkJsonBody(value: unknown, maxDepth: number, checkText = true): JsonBodyProblems | undefined {
  if (typeof value === 'string') {
    const found = checkText ? refusedCharacter(value) : undefined;
    return found ? { code: 'INVALID_CHARACTER', problems: [{ pointer: '', message: `contains ${found}` }] } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const problems: ProblemPointer[] = [];
  const stack: Frame[] = [{ node: value, depth: 1 }];
  while (stack.length > 0 && problems.length < MAX_LISTED) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      return { code: 'JSON_TOO_DEEP', problems: [{ pointer: pointerOf(frame.parent), message: `nests objects or arrays more than ${maxDepth} levels deep below this point` }] };
    }
    const isArray = Array.isArray(frame.node);
    const keys = isArray ? undefined : Object.keys(frame.node);
    const length = isArray ? (frame.node as unknown[]).length : keys!.length;
    for (let i = 0; i < length; i++) {
      const key = isArray ? undefined : keys![i];
      const child = isArray ? (frame.node as unknown[])[i] : (frame.node as Record<string, unknown>)[key!];
      const token = isArray ? String(i) : pointerToken(withoutRefusedCharacters(key!));
      if (checkText && key !== undefined) {
        const found = refusedCharacter(key);
        if (found) problems.push({ pointer: `${pointerOf(frame)}/${token}`, message: `the key contains ${found} (shown as U+FFFD)` });
      }
      if (typeof child === 'string') {
        const found = checkText ? refusedCharacter(child) : undefined;
        if (found) problems.push({ pointer: `${pointerOf(frame)}/${token}`, message: `contains ${found}` });
      } else if (child !== null && typeof child === 'object') {
        stack.push({ node: child, depth: frame.depth + 1, parent: frame, token });
      }
    }
  }
  return problems.length > 0 ? { code: 'INVALID_CHARACTER', problems: problems.slice(0, MAX_LISTED) } : undefined;
}

/** Whether JSON text may hold U+0000 or a lone surrogate once parsed (it has a `\u0000` or `\uD800`-`\uDFFF` escape). */
export function mayHoldRefusedCharacter(jsonText: string): boolean {
  return ESCAPED_REFUSED_CHARACTER.test(jsonText);
}

/**
 * The refusal of a body that {@link checkJsonBody} found wrong.
 * @returns DomainError 400 `JSON_TOO_DEEP` or `INVALID_CHARACTER` with the pointers
 */
export function jsonBodyRefusal(found: JsonBodyProblems, maxDepth: number): DomainError {
  return found.code === 'JSON_TOO_DEEP'
    ? new DomainError(400, 'JSON_TOO_DEEP', 'JSON nested too deeply', `The request body nests objects or arrays more than ${maxDepth} levels deep.`, found.problems)
    : invalidCharacters(found.problems);
}

/** 400 `INVALID_CHARACTER`: U+0000 or a lone surrogate where `problems` point. */
export function invalidCharacters(problems: ProblemPointer[]): DomainError {
  return new DomainError(400, 'INVALID_CHARACTER', 'Invalid character',
    'The request contains U+0000 or a lone surrogate, which Verdict refuses in every string, key, path and query parameter and header it reads.', problems);
}

/** Where a request's text comes from, besides the body: `/path/<name>`, `/query/<name>`, `/header/<name>`. */
export type RequestTextPlace = 'path' | 'query' | 'header';

/**
 * Checks path parameters, query parameters (names and values) or headers for U+0000 and lone surrogates.
 * @param place what `values` are (the first token of each pointer)
 * @param values the decoded parameters: a string or a list of strings (a repeated query parameter) per name
 * @returns a problem per parameter that holds such a character (pointer `/query/<name>`), empty when all are acceptable
 */
export function checkRequestText(place: RequestTextPlace, values: Record<string, unknown> | undefined | null): ProblemPointer[] {
  const problems: ProblemPointer[] = [];
  if (!values) return problems;
  for (const name of Object.keys(values)) {
    const pointer = `/${place}/${pointerToken(withoutRefusedCharacters(name))}`;
    const inName = refusedCharacter(name);
    if (inName) problems.push({ pointer, message: `the name contains ${inName} (shown as U+FFFD)` });
    const value = values[name];
    for (const text of Array.isArray(value) ? value : [value]) {
      const found = typeof text === 'string' ? refusedCharacter(text) : undefined;
      if (found) {
        problems.push({ pointer, message: `contains ${found}` });
        break;
      }
    }
  }
  return problems;
}

/**
 * Finds, iteratively, the key for which a JSON body is refused as prototype poisoning: an own `__proto__` key, or a
 * `constructor` key whose value is an object with an own `prototype` key (what secure-json-parse, Fastify's parser,
 * refuses).
 * @param value JSON parsed by plain `JSON.parse` (which keeps `__proto__` as an own key)
 * @returns the pointer to the key, or undefined when there is none
 */
export function findPrototypePoisoning(value: unknown): ProblemPointer | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Frame[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const node = frame.node as Record<string, unknown>;
    if (Object.hasOwn(node, '__proto__')) return { pointer: `${pointerOf(frame)}/__proto__`, message: 'a __proto__ key is refused (prototype poisoning)' };
    const ctor = Object.hasOwn(node, 'constructor') ? node.constructor : undefined;
    if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype'))
      return { pointer: `${pointerOf(frame)}/constructor/prototype`, message: 'a prototype key under a constructor key is refused (prototype poisoning)' };
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: frame.depth + 1, parent: frame, token: pointerToken(withoutRefusedCharacters(key)) });
    }
  }
  return undefined;
}
