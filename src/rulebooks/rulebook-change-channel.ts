/**
 * The PostgreSQL NOTIFY channel on which every committed rulebook change (a bundled import, a governance action) is
 * announced, payload `{"key": …}`; `RulebookChangeListener` LISTENs on it and reloads the registry.
 */
export const RULEBOOK_CHANGE_CHANNEL = 'verdict_rulebook_change';
