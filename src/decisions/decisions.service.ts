import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DecisionHistory } from '../audit/decision-history.js';
import type { DecisionRecord } from '../audit/decision-record.js';
import { DecisionRecorder } from '../audit/decision-recorder.js';
import { hasRole, type Principal } from '../auth/principal.js';
import { DomainError } from '../common/domain-error.js';
import { isDatabaseUnavailable, isUniqueViolation } from '../common/postgres-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { verdictBuild, type VerdictBuild } from '../config/build-info.js';
import { takeInFacts } from '../facts/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RulebookReadModel, type RulebookVersionView } from '../rulebooks/rulebook-read-model.js';
import { CompiledRulebookCache } from './compiled-rulebook.cache.js';
import type { CreateDecisionDto } from './create-decision.dto.js';
import { buildExplanation, ruleInput } from './decision-explanation.js';
import { evaluate, RulebookDefectError } from './evaluation/index.js';
import { annotateOutcomeFacts } from './outcome-fact-annotation.js';

/** The result of `decide`: the record and whether it is a replay of an earlier request with the same key. */
export interface DecisionResult {
  record: DecisionRecord;
  replayed: boolean;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * 409 `RULEBOOK_DEFECT`: the rulebook version contradicts its own outcome policy on this input (two rules set
 * different values of a `UNIQUE` field, or score one parameter twice), so no decision is given and nothing is
 * recorded. The detail names the version, the field or score parameter and both rules. The caller cannot fix it;
 * the rulebook's owners must publish a corrected version (the quality gate's static checks exist to refuse such a
 * version before approval).
 */
function rulebookDefect(error: RulebookDefectError): DomainError {
  const [first, second] = error.rules;
  const what = error.kind === 'SCORE_PARAMETER_SCORED_TWICE'
    ? `rules "${first}" and "${second}" both scored ${error.subject} (overlapping bands; a score parameter scores at most once)`
    : `rules "${first}" and "${second}" set different values of outcome field "${error.subject}", whose hit policy UNIQUE requires them to agree`;
  return new DomainError(409, 'RULEBOOK_DEFECT', 'Rulebook defect',
    `Rulebook ${error.rulebook.key}@${error.rulebook.version} is defective for this input: ${what}. No decision was given and ` +
    'nothing was recorded; report it to the owners of the rulebook, who must publish a corrected version.', undefined, undefined, error);
}

/**
 * 422 `AS_OF_IN_FUTURE`: `asOf` lies further after now than `AS_OF_FUTURE_TOLERANCE_SECONDS` (clock skew), so the
 * decision would run rules not in force yet; only a caller holding `decision:pin-version` may look ahead.
 */
function asOfInFuture(asOf: Date, now: Date, toleranceSeconds: number): DomainError {
  return new DomainError(422, 'AS_OF_IN_FUTURE', 'asOf is in the future',
    `asOf ${asOf.toISOString()} is more than ${toleranceSeconds} s after now (${now.toISOString()}): a decision uses the rules in force at asOf, `
    + 'and those of the future are not in force yet. Send the instant the decision is about (or leave asOf out for now); evaluating ahead of time '
    + 'needs the role decision:pin-version.',
    [{ pointer: '/asOf', message: `must be at most ${toleranceSeconds} s after now` }]);
}

/**
 * 403 `VERSION_PIN_FORBIDDEN`: the request names a version other than the one in force at `asOf` (one approved but never
 * activated, superseded, or scheduled for later), which only a caller holding `decision:pin-version` may do.
 */
function versionPinForbidden(key: string, version: string, inForce: string | undefined, asOf: Date): DomainError {
  return new DomainError(403, 'VERSION_PIN_FORBIDDEN', 'Version not in force',
    `${key}@${version} is not the version in force at ${asOf.toISOString()} (${inForce === undefined ? 'none is' : `${inForce} is`}). `
    + 'A decision uses the version in force at its asOf: leave version out, or name that one. Naming another approved version needs the role decision:pin-version.',
    [{ pointer: '/version', message: inForce === undefined ? 'no version is in force at asOf' : `the version in force at asOf is ${inForce}` }]);
}

/**
 * `sha256:<hex>` of a request body re-serialized (JSON.stringify keeps the sender's key order), for callers that have
 * no raw bytes; over HTTP the hash of the bytes as received is used. Not RFC 8785: canonicalizing a 1 MiB FHIR bundle
 * costs about ten times more on every request, and a retry resends the same body anyway.
 */
export function requestHash(body: unknown): string {
  return 'sha256:' + createHash('sha256').update(JSON.stringify(body), 'utf8').digest('hex');
}

/**
 * Makes decisions: resolves the rulebook version (the one in force at `asOf`; another one only for a caller holding
 * `decision:pin-version`, as is an `asOf` beyond `AS_OF_FUTURE_TOLERANCE_SECONDS`), takes in the facts (request and
 * FHIR R4), evaluates the compiled rules, and commits the audit record (`DecisionRecorder`) before anything is
 * answered; replays and `GET /v1/decisions/{id}` read it back through the audit's read model (`DecisionHistory`).
 * Idempotency keys are per caller: same key and body replays the stored decision, a different body is 422, a key
 * still in flight is 409.
 */
@Injectable()
export class DecisionsService {
  private readonly inFlight = new Set<string>();
  /** The Verdict build named in every decision (package version and git commit), found once at start. */
  private readonly build: VerdictBuild;
  /** `AS_OF_FUTURE_TOLERANCE_SECONDS` in milliseconds. */
  private readonly asOfToleranceMs: number;
  private readonly asOfToleranceSeconds: number;

  constructor(
    private readonly registry: RulebookReadModel,
    private readonly compiled: CompiledRulebookCache,
    private readonly recorder: DecisionRecorder,
    private readonly history: DecisionHistory,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.build = verdictBuild(config.verdictCommit);
    this.asOfToleranceSeconds = config.asOfFutureToleranceSeconds;
    this.asOfToleranceMs = config.asOfFutureToleranceSeconds * 1000;
  }

  /**
   * Evaluates and records one decision.
   * @param principal the caller
   * @param body the validated request body
   * @param requestId the request's X-Request-Id
   * @param idempotencyKey the `Idempotency-Key` header, if any
   * @param bodySha256 `sha256:<hex>` of the body's bytes as received (the input hash); computed from `body` if absent
   * @throws DomainError 400/404/409/422 as the contract says (409 `RULEBOOK_DEFECT` when the version contradicts its
   *   own outcome policy on this input); without `decision:pin-version`, 422 `AS_OF_IN_FUTURE` for an `asOf` beyond
   *   the tolerance and 403 `VERSION_PIN_FORBIDDEN` for a `version` that is not the one in force at `asOf`; DomainError 503 `AUDIT_UNAVAILABLE` when the database cannot record the
   *   decision (unreachable, overloaded: `isDatabaseUnavailable`); other driver errors of the audit write as they are
   *   (a data exception renders as 400 `UNSTORABLE_VALUE`, a unique violation on the idempotency key is retried)
   */
  async decide(principal: Principal, body: CreateDecisionDto, requestId: string, idempotencyKey?: string, bodySha256?: string): Promise<DecisionResult> {
    const started = process.hrtime.bigint();
    // Label unknown keys alike, so a caller cannot grow the metric's label set.
    const rulebookLabel = this.registry.hasRulebook(body.rulebook) ? body.rulebook : '(unknown)';
    try {
      const result = await this.decideUnmetered(principal, body, requestId, bodySha256 ?? requestHash(body), idempotencyKey);
      this.metrics.recordDecision(rulebookLabel, result.record.rulebook.version, result.replayed ? 'replayed' : 'decided',
        Number(process.hrtime.bigint() - started) / 1e9);
      return result;
    } catch (error) {
      if (error instanceof RulebookDefectError) {
        this.metrics.recordRulebookDefect(error.rulebook.key, error.rulebook.version, error.kind);
        this.metrics.recordDecision(rulebookLabel, error.rulebook.version, 'rulebook_defect');
        throw rulebookDefect(error);
      }
      this.metrics.recordDecision(rulebookLabel, '', error instanceof DomainError && error.status === 503 ? 'audit_unavailable' : 'refused');
      throw error;
    }
  }

  private async decideUnmetered(principal: Principal, body: CreateDecisionDto, requestId: string, inputHash: string, idempotencyKey?: string): Promise<DecisionResult> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new DomainError(400, 'INVALID_IDEMPOTENCY_KEY', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');
    }
    if (idempotencyKey === undefined) return { record: await this.evaluateAndRecord(principal, body, requestId, inputHash), replayed: false };

    const slot = `${principal.subject}\u0000${idempotencyKey}`;
    if (this.inFlight.has(slot)) {
      throw new DomainError(409, 'IDEMPOTENCY_KEY_IN_USE', 'Idempotency key in use', 'A request with this Idempotency-Key is still being processed; retry later.', undefined, { 'Retry-After': '1' });
    }
    this.inFlight.add(slot);
    try {
      const replay = await this.replay(principal, idempotencyKey, inputHash);
      if (replay) return replay;
      try {
        return { record: await this.evaluateAndRecord(principal, body, requestId, inputHash, idempotencyKey), replayed: false };
      } catch (error) {
        // Another instance committed the same key first: answer as if we had seen it.
        if (isUniqueViolation(error)) {
          const raced = await this.replay(principal, idempotencyKey, inputHash);
          if (raced) return raced;
        }
        throw error;
      }
    } finally {
      this.inFlight.delete(slot);
    }
  }

  /**
   * A stored decision, visible to auditors and to the caller that created it (others get 404, so ids do not leak).
   * @throws DomainError 404 `DECISION_NOT_FOUND`
   */
  async find(principal: Principal, id: string, mayReadAll: boolean): Promise<DecisionRecord> {
    const notFound = new DomainError(404, 'DECISION_NOT_FOUND', 'Decision not found', `No decision ${id} is visible to you.`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw notFound;
    const found = await this.history.findById(id.toLowerCase());
    if (!found || (!mayReadAll && found.caller !== principal.subject)) throw notFound;
    return found.record;
  }

  private async replay(principal: Principal, key: string, inputHash: string): Promise<DecisionResult | undefined> {
    const stored = await this.history.findIdempotencyKey(principal.subject, key);
    if (!stored) return undefined;
    if (stored.requestHash !== inputHash) {
      throw new DomainError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', 'This Idempotency-Key was used with a different request body.');
    }
    const found = await this.history.findById(stored.decisionId);
    if (!found) throw new Error(`idempotency key points at missing decision ${stored.decisionId}`);
    return { record: found.record, replayed: true };
  }

  /**
   * The version that evaluates `body`: the one in force at `asOf`, which is also all a caller may name unless it holds
   * `decision:pin-version` (then any approved version, and any `asOf`).
   * @throws DomainError 422 `AS_OF_IN_FUTURE`, 404, 409 (`resolveEvaluable`), 403 `VERSION_PIN_FORBIDDEN`
   */
  private resolveVersion(principal: Principal, body: CreateDecisionDto, asOf: Date): RulebookVersionView {
    const mayPin = hasRole(principal, 'decision:pin-version');
    const now = new Date();
    if (!mayPin && asOf.getTime() > now.getTime() + this.asOfToleranceMs) throw asOfInFuture(asOf, now, this.asOfToleranceSeconds);
    const view = this.registry.resolveEvaluable(body.rulebook, body.version, asOf);
    if (body.version !== undefined && !mayPin) {
      const inForce = this.registry.activeVersionAt(body.rulebook, asOf);
      if (inForce !== view.version) throw versionPinForbidden(view.key, view.version, inForce, asOf);
    }
    return view;
  }

  private async evaluateAndRecord(principal: Principal, body: CreateDecisionDto, requestId: string, inputHash: string, idempotencyKey?: string): Promise<DecisionRecord> {
    const asOf = body.asOf ? new Date(body.asOf) : new Date();
    const view = this.resolveVersion(principal, body, asOf);
    const rulebook = this.compiled.get(view);
    const intake = takeInFacts(rulebook.facts, { facts: body.facts, fhir: body.fhir, asOf, patientRef: body.context?.patientRef, fhirSearchComplete: body.fhirSearchComplete });
    const evaluation = await evaluate(rulebook.rules, ruleInput(view.document, intake));
    evaluation.outcome = annotateOutcomeFacts(evaluation.outcome, intake);
    const context: Record<string, string> = {};
    for (const [field, value] of Object.entries(body.context ?? {})) if (typeof value === 'string') context[field] = value;
    const record: DecisionRecord = {
      decisionId: randomUUID(),
      rulebook: { key: view.key, version: view.version, contentHash: view.contentHash },
      verdict: { version: this.build.version, commit: this.build.commit },
      outcome: evaluation.outcome,
      explanation: buildExplanation(view.document, intake, evaluation),
      asOf: asOf.toISOString(),
      evaluatedAt: new Date().toISOString(),
      context,
    };
    try {
      await this.recorder.record(record, { caller: principal.subject, requestId, inputHash, idempotencyKey, rulebookStatus: view.status });
    } catch (error) {
      // No audit record, no decision. 503 (retry later) only when the database really cannot serve: a value it
      // refuses (a data exception) is the request's fault and answers 400 (renderProblem), and anything else is a bug
      // (500), so that no input can fake an audit outage.
      if (!isDatabaseUnavailable(error)) throw error;
      throw new DomainError(503, 'AUDIT_UNAVAILABLE', 'Service unavailable',
        'The decision could not be recorded in the audit, so none is given. Retry later.', undefined, { 'Retry-After': '5' }, error);
    }
    return record;
  }
}
