import { DomainError, type ProblemPointer } from '../common/domain-error.js';
import { isConstraintRefusal } from '../common/postgres-errors.js';
import type { Role } from '../config/app.config.js';
import type { RulebookKind } from '../rulebooks/rulebook.types.js';

/*
 * The refusals of rulebook governance (rulebooks/GOVERNANCE.md, "When Verdict says no"), one factory per code: each
 * returns the `DomainError` that the global filter renders as RFC 9457 problem+json. The 403, 409 and 422 refusals of
 * an action on an existing rulebook are also recorded in its history (`GovernanceActionRunner`).
 */

/** 404 `RULEBOOK_NOT_FOUND`: no rulebook has `key`. */
export function rulebookNotFound(key: string): DomainError {
  return new DomainError(404, 'RULEBOOK_NOT_FOUND', 'Rulebook not found', `No rulebook has the key "${key}".`);
}

/** 404 `RULEBOOK_VERSION_NOT_FOUND`: `key` has no `version` (`pointer`: where the body named it, for a copy). */
export function versionNotFound(key: string, version: string, pointer?: string): DomainError {
  return new DomainError(404, 'RULEBOOK_VERSION_NOT_FOUND', 'Rulebook version not found', `"${key}" has no version ${version}.`,
    pointer ? [{ pointer, message: 'unknown version' }] : undefined);
}

/** 403 `FORBIDDEN`: the caller lacks the role the action needs. */
export function roleRequired(action: string, role: Role): DomainError {
  return new DomainError(403, 'FORBIDDEN', 'Forbidden', `To ${action} a rulebook version you need the role ${role}.`);
}

/** 409 `INVALID_TRANSITION`: the lifecycle does not lead from `status` to `to` (`why`: the rule, in words). */
export function invalidTransition(key: string, version: string, status: string, to: string, why: string): DomainError {
  return new DomainError(409, 'INVALID_TRANSITION', 'Not allowed in this state', `${key}@${version} is ${status} and cannot be ${to}: ${why}.`);
}

/** 409 `VERSION_EXISTS`: versions are immutable, a draft needs a new version number. */
export function versionExists(key: string, version: string): DomainError {
  return new DomainError(409, 'VERSION_EXISTS', 'Version exists', `${key}@${version} exists; versions are immutable, choose a new version number.`,
    [{ pointer: '/version', message: 'already exists' }]);
}

/** 409 `VERSION_NOT_DRAFT`: only a draft's content can change; a submitted version is frozen as `contentHash`. */
export function versionNotDraft(key: string, version: string, status: string, contentHash: string): DomainError {
  return new DomainError(409, 'VERSION_NOT_DRAFT', 'Version is not a draft',
    `${key}@${version} is ${status}: its content is frozen (${contentHash}). Create a new draft to change it.`);
}

/** 422 `KIND_MISMATCH`: a version cannot change the kind of its rulebook. */
export function kindMismatch(key: string, kind: RulebookKind, documentKind: string): DomainError {
  return new DomainError(422, 'KIND_MISMATCH', 'Rulebook kind cannot change',
    `${key} is a ${kind} rulebook; a version cannot make it a ${documentKind} one.`, [{ pointer: '/kind', message: `must be "${kind}"` }]);
}

/** 422 `QUALITY_GATE_FAILED`: every problem of the draft, each with a JSON Pointer into the rulebook document. */
export function qualityGateFailed(key: string, version: string, problems: ProblemPointer[]): DomainError {
  return new DomainError(422, 'QUALITY_GATE_FAILED', 'Quality gate failed',
    `${key}@${version} does not pass the quality gate: ${problems.length} problem(s). Fix them in the draft and submit again.`, problems);
}

/**
 * A duty a person already holds on a version, which excludes approving it (separation of duties): `author` (created or
 * edited it), `origin-author` (created or edited `origin`, a version it was copied from, directly or through copies of
 * copies) or `submitter` (submitted it for review).
 */
export type ConflictingDuty =
  | { duty: 'author' }
  | { duty: 'origin-author'; origin: string }
  | { duty: 'submitter' };

/**
 * 403 `SEPARATION_OF_DUTIES`: the authors of a version (those of the versions it was copied from included), its
 * submitter and its approvers are distinct people (four-eyes principle); the detail names the duty that conflicts.
 */
export function separationOfDuties(subject: string, key: string, version: string, conflict: ConflictingDuty): DomainError {
  const duty = conflict.duty === 'author' ? `created or edited ${key}@${version}`
    : conflict.duty === 'submitter' ? `submitted ${key}@${version} for review`
    : `created or edited ${key}@${conflict.origin}, which ${key}@${version} was copied from,`;
  return new DomainError(403, 'SEPARATION_OF_DUTIES', 'Separation of duties',
    `${subject} ${duty} and cannot also approve it: the authors of a version (including those of the versions it was copied from), `
    + 'its submitter and its approvers must be different people (four-eyes principle). Another approver must approve it.');
}

/** 409 `CONTENT_HASH_MISMATCH`: the approval names another content than the version's. */
export function contentHashMismatch(key: string, version: string, seen: string, actual: string): DomainError {
  return new DomainError(409, 'CONTENT_HASH_MISMATCH', 'Content differs from what was reviewed',
    `The approval names ${seen}, but ${key}@${version} is ${actual}: review the current content and approve that.`,
    [{ pointer: '/contentHash', message: `must be the version's content hash ${actual}` }]);
}

/** 409 `ALREADY_APPROVED`: approvals are distinct; one approver counts once. */
export function alreadyApproved(subject: string, key: string, version: string): DomainError {
  return new DomainError(409, 'ALREADY_APPROVED', 'Already approved',
    `${subject} has already approved ${key}@${version}; a second approval must come from someone else.`);
}

/** 409 `VERSION_NOT_APPROVED`: only an approved version activates (`missing`: what a version in review still lacks). */
export function versionNotApproved(key: string, version: string, status: string, missing?: { approvals: number; safety: number }): DomainError {
  const lacking = missing
    ? ` It still needs ${missing.approvals} more approval(s) and ${missing.safety} more by a clinical safety officer (a safety officer's approval counts toward both).`
    : '';
  return new DomainError(409, 'VERSION_NOT_APPROVED', 'Version not approved', `${key}@${version} is ${status}; only an approved version can be activated.${lacking}`);
}

/** 422 `EFFECTIVE_FROM_NOT_IN_FUTURE`: the past of the timeline is never rewritten. */
export function effectiveFromNotInFuture(effectiveFrom: Date, now: Date): DomainError {
  return new DomainError(422, 'EFFECTIVE_FROM_NOT_IN_FUTURE', 'effectiveFrom is not in the future',
    `effectiveFrom ${effectiveFrom.toISOString()} is not after now (${now.toISOString()}); omit it to activate now. The past is never rewritten.`,
    [{ pointer: '/effectiveFrom', message: 'must be in the future' }]);
}

/** 409 `ROLLBACK_TARGET_INVALID`: a rollback returns to a version that was active before, not to the active one. */
export function rollbackTargetInvalid(key: string, version: string, activeNow: boolean): DomainError {
  return new DomainError(409, 'ROLLBACK_TARGET_INVALID', 'Not a rollback target',
    activeNow ? `${key}@${version} is the active version.` : `${key}@${version} was never active; activate it instead of rolling back to it.`);
}

/** 409 `ALREADY_ACTIVE`: the version is active at `at` and nothing is scheduled after it. */
export function alreadyActive(key: string, version: string, at: Date): DomainError {
  return new DomainError(409, 'ALREADY_ACTIVE', 'Already active', `${key}@${version} is already the active version at ${at.toISOString()}.`);
}

/** 409 `VERSION_IN_USE`: a version active now or scheduled cannot be retired (`when`: which of the two, in words). */
export function versionInUse(key: string, version: string, when: string): DomainError {
  return new DomainError(409, 'VERSION_IN_USE', 'Version in use', `${key}@${version} is ${when}; activate another version first.`);
}

/** 409 `NO_BASE_VERSION`: a diff needs a base, and none was named, copied from or active. */
export function noBaseVersion(key: string, version: string): DomainError {
  return new DomainError(409, 'NO_BASE_VERSION', 'No version to compare with',
    `${key}@${version} was not copied from another version and no other version is active; name one with ?from=<version>.`);
}

/** 422 `RULEBOOK_INVALID`: the version fails the structural checks, so it cannot be evaluated (simulated). */
export function rulebookNotEvaluable(key: string, version: string, problems: ProblemPointer[]): DomainError {
  return new DomainError(422, 'RULEBOOK_INVALID', 'Rulebook version cannot be evaluated',
    `${key}@${version} does not pass the quality gate's structural checks, so it cannot be simulated.`, problems);
}

/**
 * What an action threw, as the refusal the caller gets: a 403, 409 or 422 `DomainError` as it is; a refusal by the
 * database's own governance rules (triggers, the exclusion constraint: a concurrent change the checks could not see)
 * as 409 `GOVERNANCE_CONFLICT` with the database's reason, never a 500.
 * @returns the refusal, or undefined when the error is not one (a bug, an outage: it propagates as it is)
 */
export function asRefusal(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return [403, 409, 422].includes(error.status) ? error : undefined;
  if (isConstraintRefusal(error)) {
    return new DomainError(409, 'GOVERNANCE_CONFLICT', 'Conflicting governance change',
      `The database refused the change: ${(error.driverError as { message?: string }).message ?? 'constraint violated'}. Read the version again and retry.`);
  }
  return undefined;
}
