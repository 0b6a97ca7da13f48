import { Injectable } from '@nestjs/common';
import { DecisionHistory } from '../audit/decision-history.js';
import { RulebookReadModel } from '../rulebooks/rulebook-read-model.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { outcomePaths } from '../rulebooks/rulebook-outcome-paths.js';
import { ImpactSimulation, type ImpactReport } from './impact-simulation.js';

/** Which audited decisions to replay: `evaluated_at` in [from, to) (either bound optional), the newest `last`. */
export interface SimulationWindow {
  from?: Date;
  to?: Date;
  last: number;
  /** Example decision ids kept per field and per rule. */
  examples: number;
}

/**
 * Impact analysis: replays the audited decisions of a rulebook on a candidate version (`ImpactSimulation`) and
 * reports what would change. The decisions, their recorded request and FHIR facts and which rules fired come from the
 * audit's read model (`DecisionHistory.recentForReplay`); nothing is written.
 */
@Injectable()
export class ImpactSimulationService {
  constructor(
    private readonly history: DecisionHistory,
    private readonly rulebooks: RulebookReadModel,
  ) {}

  /**
   * @param candidate the candidate version's document (it must compile: run the quality gate's structural checks first)
   * @param contentHash the candidate's content hash, named in the report
   * @param window which decisions of `candidate.key` to replay
   * @returns the report: decisions replayed, changed outcomes per field and per rule with example decision ids,
   *   refusals and failures
   * @throws the driver error when the audit cannot be read
   */
  async simulate(candidate: RulebookDocument, contentHash: string, window: SimulationWindow): Promise<ImpactReport> {
    const fieldsOf = (version: string) => {
      const stored = this.rulebooks.find(candidate.key, version);
      return stored ? outcomePaths(stored.document) : [];
    };
    const simulation = new ImpactSimulation(candidate, fieldsOf, window.examples);
    const selection = await this.history.recentForReplay(candidate.key, { from: window.from, to: window.to }, window.last);
    for await (const decision of selection.decisions) await simulation.add(decision);
    return simulation.report({
      rulebook: { key: candidate.key, version: candidate.version, contentHash },
      window: { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null, last: window.last },
      truncated: selection.truncated,
    });
  }
}
