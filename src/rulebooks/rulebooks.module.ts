import { Module } from '@nestjs/common';
import { RulebookChangeListener } from './rulebook-change.listener.js';
import { RulebookRegistry } from './rulebook-registry.service.js';

/**
 * Rulebooks: import of the bundled files, stored versions and the activation timeline in memory (the evaluable-version
 * read model this module exports), kept in step with the shared database by LISTEN/NOTIFY and a periodic check.
 */
@Module({ providers: [RulebookRegistry, RulebookChangeListener], exports: [RulebookRegistry] })
export class RulebooksModule {}
