import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { compileFactCatalog, type CompiledFactCatalog } from '../facts/index.js';
import { RulebookReadModel, type RulebookVersionView } from '../rulebooks/rulebook-read-model.js';
import { compileRules, type CompiledRules } from './evaluation/index.js';

/** A rulebook version ready to evaluate: its fact catalog and rules compiled once. */
export interface CompiledRulebook {
  view: RulebookVersionView;
  facts: CompiledFactCatalog;
  rules: CompiledRules;
}

/**
 * Compiles each rulebook version once (json-rules-engine `Rule` objects, fact catalog with precompiled FHIRPath,
 * outcome policy), keyed by content hash, never per request. Every stored approved version is compiled at start,
 * so an inconsistent rulebook stops the start instead of failing a request, and each version approved later is
 * compiled when the registry reloads.
 */
@Injectable()
export class CompiledRulebookCache implements OnModuleInit {
  private readonly logger = new Logger(CompiledRulebookCache.name);
  private readonly byHash = new Map<string, CompiledRulebook>();

  constructor(private readonly registry: RulebookReadModel) {}

  onModuleInit(): void {
    for (const view of this.registry.allVersions()) if (view.status === 'approved') this.get(view);
    this.logger.log(`compiled ${this.byHash.size} rulebook version(s)`);
    // Versions approved later (governance, another instance) are compiled when the registry reloads, not by the first
    // decision that needs them.
    this.registry.onChange(() => {
      for (const view of this.registry.allVersions()) {
        if (view.status !== 'approved' || this.byHash.has(view.contentHash)) continue;
        try {
          this.get(view);
        } catch (error) {
          this.logger.error((error as Error).message);
        }
      }
    });
  }

  /**
   * The compiled form of `view`.
   * @throws Error naming the rulebook version when its rules or catalog do not compile
   */
  get(view: RulebookVersionView): CompiledRulebook {
    let compiled = this.byHash.get(view.contentHash);
    if (!compiled) {
      try {
        compiled = { view, facts: compileFactCatalog(view.document.facts), rules: compileRules(view.document) };
      } catch (error) {
        throw new Error(`rulebook ${view.key}@${view.version} does not compile: ${(error as Error).message}`);
      }
      this.byHash.set(view.contentHash, compiled);
    }
    return compiled;
  }
}
