import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { type ProblemPointer, jsonPointer, validationFailed } from './domain-error.js';

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
 * The global validation pipe: DTOs are validated with class-validator, unknown properties are refused, and a
 * failure is a 400 `VALIDATION_FAILED` problem with one pointer per broken field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const pointers = toPointers(errors);
      return validationFailed(`The request breaks the schema in ${pointers.length} place(s).`, pointers);
    },
  });
}
