import 'reflect-metadata';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import type { ArgumentMetadata } from '@nestjs/common';
import { DomainError } from './domain-error.js';
import { createValidationPipe, validateDto, withoutPrototypeKeys } from './validation.js';

class InnerDto {
  @IsOptional() @IsString()
  name?: string;
}

class BodyDto {
  @IsString()
  rulebook!: string;

  @IsOptional() @ValidateNested() @Type(() => InnerDto)
  inner?: InnerDto;
}

/** The problem a call throws, or undefined. */
async function refusal(call: () => unknown): Promise<DomainError | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

const BODY: ArgumentMetadata = { type: 'body', metatype: BodyDto };

describe('validation', () => {
  it('takes constructor, prototype and __proto__ keys out of a copy, anywhere, and leaves the body as it was', () => {
    const body = JSON.parse('{"rulebook":"x","constructor":1,"zzz":{"constructor":true,"list":[{"prototype":{}}]},"__proto__":2}') as Record<string, unknown>;
    const before = JSON.stringify(body);
    const { value, problems } = withoutPrototypeKeys(body);
    expect(JSON.stringify(value)).toBe('{"rulebook":"x","zzz":{"list":[{}]}}');
    expect(problems.map((p) => p.pointer).sort()).toStrictEqual(['/__proto__', '/constructor', '/zzz/constructor', '/zzz/list/0/prototype']);
    expect(JSON.stringify(body)).toBe(before);
    expect(withoutPrototypeKeys({ a: 1 }).value).toStrictEqual({ a: 1 });
  });

  it('refuses an unexpected property holding a constructor key with 400 naming it (class-transformer crashed on it: a 500)', async () => {
    const error = await refusal(() => validateDto(BodyDto, { rulebook: 'ed-triage', zzz: { constructor: true } }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error!.errors!.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/zzz', '/zzz/constructor']));
  });

  it('refuses a constructor key in a nested DTO and at the top, which class-transformer used to drop silently', async () => {
    const nested = await refusal(() => validateDto(BodyDto, { rulebook: 'x', inner: { constructor: { a: 1 }, name: 'n' } }));
    expect(nested!.errors).toStrictEqual([{ pointer: '/inner/constructor', message: 'property constructor should not exist' }]);
    const top = await refusal(() => validateDto(BodyDto, { rulebook: 'x', constructor: 'y' }));
    expect(top!.errors).toStrictEqual([{ pointer: '/constructor', message: 'property constructor should not exist' }]);
    expect(validateDto(BodyDto, { rulebook: 'x', inner: { name: 'n' } })).toBeInstanceOf(BodyDto);
  });

  it('the global pipe refuses them together with every other problem, and passes valid bodies and non-DTO values', async () => {
    const pipe = createValidationPipe();
    const error = await refusal(() => pipe.transform({ rulebook: 7, zzz: { constructor: true } }, BODY));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error!.errors!.map((e) => e.pointer)).toEqual(expect.arrayContaining(['/rulebook', '/zzz', '/zzz/constructor']));
    const only = await refusal(() => pipe.transform({ rulebook: 'x', inner: { prototype: 1 } }, BODY));
    expect(only!.errors).toStrictEqual([{ pointer: '/inner/prototype', message: 'property prototype should not exist' }]);
    await expect(pipe.transform({ rulebook: 'x' }, BODY)).resolves.toBeInstanceOf(BodyDto);
    await expect(pipe.transform('ed-triage', { type: 'param', metatype: String, data: 'key' })).resolves.toBe('ed-triage');
  });
});
