/**
 * Kinds of rulebook: the rulebook schema's `kind` enum (`src/rulebooks/schema/rulebook.schema.json`). The kind sets,
 * among other things, how many approvals a version needs. Kept here, below both `config/` (which validates the
 * per-kind approval counts at boot) and `rulebooks/` (which re-exports it with the rulebook types), so configuration
 * does not import the rulebooks module.
 */
export const RULEBOOK_KINDS = ['triage', 'scheduling-eligibility'] as const;

/** One rulebook kind (`triage` or `scheduling-eligibility`). */
export type RulebookKind = (typeof RULEBOOK_KINDS)[number];
