import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DomainError, type ProblemPointer, jsonPointer, pointerToken, validationFailed } from './domain-error.js';
import { withoutRefusedCharacters } from './input-guard.js';

/** Flattens class-validator errors into JSON Pointers (RFC 6901) into the request body. */
export function toPointers(errors: ValidationError[], parent: (string | number)[] = []): ProblemPointer[] {
  const out: ProblemPointer[] = [];
  for (const error of errors) {
    const path = [...parent, error.property];
    for (const message of Object.values(error.constraints ?? {})) out.push({ pointer: jsonPointer(...path), message });
    if (error.children && error.children.length > 0) out.push(...toPointers(error.children, path));
  }
  return out;
}

/**
 * Keys no request DTO has and that class-transformer must never see: it reads `value.constructor` of every object it
 * copies, so an own `constructor` key (`{"zzz":{"constructor":true}}`) crashed it (a 500), and a top-level one was
 * silently dropped instead of refused. `__proto__` and `prototype` are refused alike (`__proto__` is already refused
 * by the JSON parser as prototype poisoning).
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A copy of a DTO body without the keys of {@link PROTOTYPE_KEYS}, anywhere in it, and a problem per key removed
 * (each an unknown property). Iterative, so any depth is safe (the JSON parser already limits it).
 * @param body the parsed request body
 * @returns `value`: the copy (the body itself when nothing was removed); `problems`: one pointer per removed key
 */
export function withoutPrototypeKeys(body: unknown): { value: unknown; problems: ProblemPointer[] } {
  if (body === null || typeof body !== 'object') return { value: body, problems: [] };
  const problems: ProblemPointer[] = [];
  const copy = (node: object): object => (Array.isArray(node) ? [...node] : { ...node });
  const root = copy(body);
  const stack: { node: Record<string, unknown>; pointer: string }[] = [{ node: root as Record<string, unknown>, pointer: '' }];
  while (stack.length > 0) {
    const { node, pointer } = stack.pop()!;
    for (const key of Object.keys(node)) {
      const token = `${pointer}/${pointerToken(withoutRefusedCharacters(key))}`;
      if (!Array.isArray(node) && PROTOTYPE_KEYS.has(key)) {
        problems.push({ pointer: token, message: `property ${key} should not exist` });
        delete node[key];
        continue;
      }
      const child = node[key];
      if (child !== null && typeof child === 'object') {
        const childCopy = copy(child);
        node[key] = childCopy;
        stack.push({ node: childCopy as Record<string, unknown>, pointer: token });
      }
    }
  }
  return { value: problems.length > 0 ? root : body, problems };
}

/**
 * Validates a JSON body against a DTO class with class-validator (unknown properties refused), keys that would trip
 * class-transformer ({@link withoutPrototypeKeys}) refused first; every problem is collected, nothing is thrown.
 * @param dto the DTO class
 * @param body the parsed request body (an object; the caller checks that)
 * @returns the DTO instance and a pointer per problem (empty when the body is valid)
 */
export function checkDto<T extends object>(dto: new () => T, body: object): { instance: T; problems: ProblemPointer[] } {
  const { value, problems } = withoutPrototypeKeys(body);
  const instance = plainToInstance(dto, value as object);
  return { instance, problems: [...problems, ...toPointers(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }))] };
}

/**
 * {@link checkDto}, failing on the first problem found.
 * @returns the DTO instance
 * @throws DomainError 400 `VALIDATION_FAILED` with a pointer per problem
 */
export function validateDto<T extends object>(dto: new () => T, body: object): T {
  const { instance, problems } = checkDto(dto, body);
  if (problems.length > 0) throw failed(problems);
  return instance;
}

/**
 * Nest's ValidationPipe with the keys of {@link PROTOTYPE_KEYS} taken out (and refused) before class-transformer sees
 * a body, so that such a key anywhere answers 400 `VALIDATION_FAILED` naming it, together with every other problem.
 */
class PrototypeSafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (!this.toValidate(metadata)) return super.transform(value, metadata);
    const { value: safe, problems } = withoutPrototypeKeys(value);
    let result: unknown;
    try {
      result = await super.transform(safe, metadata);
    } catch (error) {
      if (problems.length > 0 && error instanceof DomainError && error.code === 'VALIDATION_FAILED') throw failed([...problems, ...(error.errors ?? [])]);
      throw error;
    }
    if (problems.length > 0) throw failed(problems);
    return result;
  }
}

function failed(pointers: ProblemPointer[]): DomainError {
  return validationFailed(`The request breaks the schema in ${pointers.length} place(s).`, pointers);
}

/**
 * The global validation pipe: DTOs are validated with class-validator, unknown properties are refused (`constructor`,
 * `prototype` and `__proto__` keys anywhere included, before class-transformer sees them), and a failure is a 400
 * `VALIDATION_FAILED` problem with one pointer per broken field.
 */
export function createValidationPipe(): ValidationPipe {
  return new PrototypeSafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => failed(toPointers(errors)),
  });
}
