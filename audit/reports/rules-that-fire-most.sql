-- Rules that fire most, per rulebook version: how many decisions each rule fired in, and in what share of the
-- version's decisions. Uses the partial index decision_rule_fired_name_time (fired rows only).
SELECT d.rulebook_key, d.rulebook_version, r.name AS rule,
       count(*) AS fired_in_decisions,
       round(100.0 * count(*) / max(v.decisions), 2) AS percent_of_decisions
  FROM decision_rule r
  JOIN decision d ON d.id = r.decision_id AND d.evaluated_at = r.evaluated_at
  JOIN (SELECT rulebook_key, rulebook_version, count(*) AS decisions
          FROM decision WHERE evaluated_at >= now() - interval '30 days'
         GROUP BY 1, 2) v USING (rulebook_key, rulebook_version)
 WHERE r.fired AND r.evaluated_at >= now() - interval '30 days'
 GROUP BY d.rulebook_key, d.rulebook_version, r.name
 ORDER BY d.rulebook_key, d.rulebook_version, fired_in_decisions DESC
 LIMIT 50;
