import { Module } from '@nestjs/common';
import { RulebookRegistry } from './rulebook-registry.service.js';

/** Rulebooks: import of the bundled files, stored versions and activations, and the evaluable-version read model. */
@Module({ providers: [RulebookRegistry], exports: [RulebookRegistry] })
export class RulebooksModule {}
