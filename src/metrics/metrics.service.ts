import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a decision request ended, as counted in `verdict_decisions_total`. */
export type DecisionResultLabel = 'decided' | 'replayed' | 'refused' | 'audit_unavailable' | 'rulebook_defect';

/** What contradicted a rulebook's own outcome policy at run time (`RulebookDefectError.kind`). */
export type RulebookDefectKind = 'HIT_POLICY_VIOLATION' | 'SCORE_PARAMETER_SCORED_TWICE';

/**
 * Prometheus metrics of one Verdict process (prom-client): the Node.js process defaults, decisions by rulebook,
 * version and result, decision latency, audit write failures, and rulebook defects found at run time. Exposed in the
 * text exposition format at `GET /metrics` (role `metrics:read`).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly decisions = new Counter({
    name: 'verdict_decisions_total',
    help: 'Decision requests by rulebook, version and result (decided, replayed, refused, audit_unavailable, rulebook_defect).',
    labelNames: ['rulebook', 'version', 'result'] as const,
    registers: [this.registry],
  });

  private readonly defects = new Counter({
    name: 'verdict_rulebook_defects_total',
    help: 'Evaluations that failed on a defect of the rulebook version (HIT_POLICY_VIOLATION: a UNIQUE field set to two '
      + 'values; SCORE_PARAMETER_SCORED_TWICE: overlapping score bands), by rulebook, version and kind.',
    labelNames: ['rulebook', 'version', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'verdict_decision_duration_seconds',
    help: 'Time to evaluate and commit one decision (fact intake, rules, audit write), in seconds.',
    labelNames: ['rulebook'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'verdict_' });
  }

  /**
   * Counts one decision request.
   * @param rulebook rulebook key as requested; version the version used ('' when refused before one was chosen)
   * @param seconds wall time of the request's evaluation and audit write, when it got that far
   */
  recordDecision(rulebook: string, version: string, result: DecisionResultLabel, seconds?: number): void {
    this.decisions.inc({ rulebook, version, result });
    if (seconds !== undefined) this.duration.observe({ rulebook }, seconds);
  }

  /**
   * Counts one evaluation that failed on a rulebook defect (`RulebookDefectError`). The labels are bounded: a stored
   * rulebook key and version, and one of two kinds.
   */
  recordRulebookDefect(rulebook: string, version: string, kind: RulebookDefectKind): void {
    this.defects.inc({ rulebook, version, kind });
  }

  /** The metrics in the Prometheus text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
