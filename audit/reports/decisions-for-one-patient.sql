-- Every decision for one patient, newest first, with who asked, the rulebook version, the outcome, the rules that
-- fired and the facts taken from FHIR (resource, code, effective time), and the chain position (null: not sealed yet).
-- Set the patient with: psql -v patient='Patient/123' -f audit/reports/decisions-for-one-patient.sql
-- Uses the index decision_patient_time in each monthly partition.
SELECT d.id AS decision_id, d.evaluated_at, d.as_of, d.caller, d.request_id, d.rulebook_key, d.rulebook_version,
       d.rulebook_status AS status_at_decision, d.encounter_ref, d.outcome,
       ARRAY(SELECT r.name FROM decision_rule r
              WHERE r.decision_id = d.id AND r.evaluated_at = d.evaluated_at AND r.fired ORDER BY r.ordinal) AS fired_rules,
       (SELECT jsonb_agg(jsonb_build_object('fact', f.name, 'value', f.value, 'unit', f.unit, 'reference', f.reference,
                                            'code', f.code, 'effective', f.effective) ORDER BY f.ordinal)
          FROM decision_fact f
         WHERE f.decision_id = d.id AND f.evaluated_at = d.evaluated_at AND f.source = 'fhir') AS fhir_facts,
       c.seq AS chain_position
  FROM decision d
  LEFT JOIN decision_chain c ON c.decision_id = d.id
 WHERE d.patient_ref = :'patient'
 ORDER BY d.evaluated_at DESC, d.id DESC;
