-- Who read the audit (auditing the auditors): accesses per accessor and action over the last 30 days, with the
-- records disclosed. Every search, read, export and integrity check is in audit_access_log.
SELECT accessor, action, outcome, count(*) AS accesses, sum(record_count) AS records,
       min(recorded_at) AS first_access, max(recorded_at) AS last_access
  FROM audit_access_log
 WHERE recorded_at >= now() - interval '30 days'
 GROUP BY accessor, action, outcome
 ORDER BY accessor, action, outcome;
