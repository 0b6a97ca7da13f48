import { Injectable, type PipeTransform } from '@nestjs/common';
import { validationFailed } from '../common/domain-error.js';
import { checkDto } from '../common/validation.js';
import { CreateDecisionDto } from './create-decision.dto.js';

/**
 * Validates a decision request with class-validator without walking `facts` and `fhir` (a FHIR bundle may be
 * 1 MiB; class-transformer would copy it node by node): those two are checked for being objects here and in depth
 * by the facts module.
 * @throws DomainError 400 `VALIDATION_FAILED` with a pointer per problem
 */
@Injectable()
export class DecisionRequestPipe implements PipeTransform<unknown, CreateDecisionDto> {
  transform(body: unknown): CreateDecisionDto {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw validationFailed('The body must be a JSON object.', [{ pointer: '', message: 'must be an object' }]);
    }
    const { facts, fhir, ...rest } = body as Record<string, unknown>;
    const { instance: dto, problems: errors } = checkDto(CreateDecisionDto, rest);
    for (const [name, value] of [['facts', facts], ['fhir', fhir]] as const) {
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        errors.push({ pointer: `/${name}`, message: `${name} must be an object` });
      }
    }
    if (facts === undefined && fhir === undefined) errors.push({ pointer: '', message: 'give at least one of facts and fhir' });
    if (errors.length > 0) throw validationFailed(`The request breaks the schema in ${errors.length} place(s).`, errors);
    dto.facts = facts as Record<string, unknown> | undefined;
    dto.fhir = fhir as Record<string, unknown> | undefined;
    return dto;
  }
}
