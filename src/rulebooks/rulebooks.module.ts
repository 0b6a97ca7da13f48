import { Module } from '@nestjs/common';
import { RulebookBundleImporter } from './rulebook-bundle.importer.js';
import { RulebookChangeListener } from './rulebook-change.listener.js';
import { RulebookReadModel } from './rulebook-read-model.js';
import { RulebookRegistry } from './rulebook-registry.service.js';

/**
 * Rulebooks: import of the bundled files, stored versions and the activation timeline in memory, kept in step with
 * the shared database by LISTEN/NOTIFY and a periodic check. It exports `RulebookReadModel` (the evaluable version at
 * an instant, the stored versions), which decisions, audit and health use, and `RulebookRegistry` itself, which only
 * governance uses (to reload the model after a change it committed).
 */
@Module({
  providers: [RulebookBundleImporter, RulebookRegistry, RulebookChangeListener, { provide: RulebookReadModel, useExisting: RulebookRegistry }],
  exports: [RulebookReadModel, RulebookRegistry],
})
export class RulebooksModule {}
