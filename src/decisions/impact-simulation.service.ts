import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RulebookRegistry } from '../rulebooks/rulebook-registry.service.js';
import type { RulebookDocument } from '../rulebooks/rulebook.types.js';
import { ImpactSimulation, outcomePaths, type ImpactReport, type StoredDecision, type StoredFact } from './impact-simulation.js';

/** Which audited decisions to replay: `evaluated_at` in [from, to) (either bound optional), the newest `last`. */
export interface SimulationWindow {
  from?: Date;
  to?: Date;
  last: number;
  /** Example decision ids kept per field and per rule. */
  examples: number;
}

const BATCH = 500;

/**
 * Impact analysis: replays the audited decisions of a rulebook on a candidate version (`ImpactSimulation`) and
 * reports what would change. Reads `decision`, `decision_fact` (the recorded request and FHIR facts) and
 * `decision_rule` (which rules fired); writes nothing.
 */
@Injectable()
export class ImpactSimulationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: RulebookRegistry,
  ) {}

  /**
   * @param candidate the candidate version's document (it must compile: run the quality gate's structural checks first)
   * @param contentHash the candidate's content hash, named in the report
   * @param window which decisions of `candidate.key` to replay
   */
  async simulate(candidate: RulebookDocument, contentHash: string, window: SimulationWindow): Promise<ImpactReport> {
    const fieldsOf = (version: string) => {
      const stored = this.registry.find(candidate.key, version);
      return stored ? outcomePaths(stored.document) : [];
    };
    const simulation = new ImpactSimulation(candidate, fieldsOf, window.examples);
    const rows = (await this.dataSource.query(
      `SELECT id, rulebook_version, as_of, outcome FROM decision
        WHERE rulebook_key = $1 AND ($2::timestamptz IS NULL OR evaluated_at >= $2) AND ($3::timestamptz IS NULL OR evaluated_at < $3)
        ORDER BY evaluated_at DESC, id DESC LIMIT $4`,
      [candidate.key, window.from?.toISOString() ?? null, window.to?.toISOString() ?? null, window.last + 1],
    )) as { id: string; rulebook_version: string; as_of: Date; outcome: Record<string, unknown> }[];
    const truncated = rows.length > window.last;
    const chosen = rows.slice(0, window.last);
    for (let start = 0; start < chosen.length; start += BATCH) {
      const batch = chosen.slice(start, start + BATCH);
      const ids = batch.map((d) => d.id);
      const [facts, rules] = await Promise.all([
        this.dataSource.query(
          `SELECT decision_id, name, value, unit, source FROM decision_fact WHERE decision_id = ANY($1::uuid[]) AND source IN ('request', 'fhir') ORDER BY decision_id, ordinal`,
          [ids]) as Promise<{ decision_id: string; name: string; value: unknown; unit: string | null; source: StoredFact['source'] }[]>,
        this.dataSource.query(`SELECT decision_id, name, fired FROM decision_rule WHERE decision_id = ANY($1::uuid[])`, [ids]) as
          Promise<{ decision_id: string; name: string; fired: boolean }[]>,
      ]);
      const factsBy = new Map<string, StoredFact[]>();
      for (const f of facts) {
        if (!factsBy.has(f.decision_id)) factsBy.set(f.decision_id, []);
        factsBy.get(f.decision_id)!.push({ name: f.name, value: f.value, unit: f.unit, source: f.source });
      }
      const firedBy = new Map<string, Map<string, boolean>>();
      for (const r of rules) {
        if (!firedBy.has(r.decision_id)) firedBy.set(r.decision_id, new Map());
        firedBy.get(r.decision_id)!.set(r.name, r.fired);
      }
      for (const row of batch) {
        const decision: StoredDecision = {
          id: row.id, version: row.rulebook_version, asOf: new Date(row.as_of), outcome: row.outcome,
          facts: factsBy.get(row.id) ?? [], fired: firedBy.get(row.id) ?? new Map(),
        };
        await simulation.add(decision);
      }
    }
    return simulation.report({
      rulebook: { key: candidate.key, version: candidate.version, contentHash },
      window: { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null, last: window.last },
      truncated,
    });
  }
}
