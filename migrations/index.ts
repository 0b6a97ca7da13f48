import { InitialSchema1795017600000 } from './1795017600000-InitialSchema.js';

/** Every migration, oldest first. Listed explicitly so the same list works compiled (node) and in Jest (ESM, TS). */
export const MIGRATIONS = [InitialSchema1795017600000];
