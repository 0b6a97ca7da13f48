-- Decisions per rulebook version, per month (evaluated_at, UTC), with the version's content hash and the first and
-- last decision. Narrow the months with the WHERE clause; the monthly partitions outside it are not read.
SELECT rulebook_key, rulebook_version, content_hash,
       date_trunc('month', evaluated_at AT TIME ZONE 'UTC') AS month,
       count(*) AS decisions,
       min(evaluated_at) AS first_decision,
       max(evaluated_at) AS last_decision
  FROM decision
 WHERE evaluated_at >= now() - interval '12 months'
 GROUP BY rulebook_key, rulebook_version, content_hash, month
 ORDER BY rulebook_key, rulebook_version, month;
