-- Outcome distribution per rulebook version: how often each value of each top-level outcome field was decided
-- (acuity 1-5, dangerZoneVitals, eligible, ...), with its share within the version. Nested objects (news2) are
-- broken down one level further (news2.riskBand, news2.score, ...). Arrays (reasons, requirements) are counted by
-- their canonical JSON text.
WITH fields AS (
  SELECT d.rulebook_key, d.rulebook_version, o.key AS field, o.value
    FROM decision d, jsonb_each(d.outcome) AS o
   WHERE d.evaluated_at >= now() - interval '12 months'
), flat AS (
  SELECT rulebook_key, rulebook_version, field, value FROM fields WHERE jsonb_typeof(value) <> 'object'
  UNION ALL
  SELECT f.rulebook_key, f.rulebook_version, f.field || '.' || n.key, n.value
    FROM fields f, jsonb_each(f.value) AS n
   WHERE jsonb_typeof(f.value) = 'object'
)
SELECT rulebook_key, rulebook_version, field, value::text AS value,
       count(*) AS decisions,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY rulebook_key, rulebook_version, field), 2) AS percent
  FROM flat
 GROUP BY rulebook_key, rulebook_version, field, value::text
 ORDER BY rulebook_key, rulebook_version, field, decisions DESC;
