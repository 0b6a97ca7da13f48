import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A period `[validFrom, validUntil)` during which `version` is the active version of `rulebookKey`. The periods of a
 * key never overlap (exclusion constraint) and leave no gap from the first on (deferred constraint trigger), so at
 * every instant from a key's first activation exactly one version is active. `validUntil` is `infinity` for the
 * current (or last scheduled) period.
 */
@Entity({ name: 'rulebook_active_period' })
export class RulebookActivePeriodEntity {
  @PrimaryColumn({ name: 'rulebook_key', type: 'text' })
  rulebookKey: string;

  @PrimaryColumn({ name: 'valid_from', type: 'timestamptz' })
  validFrom: Date;

  @Column({ name: 'valid_until', type: 'timestamptz', default: () => "'infinity'" })
  validUntil: Date;

  @Column({ type: 'text' })
  version: string;

  /** The activation act that opened this period. */
  @Column({ name: 'activation_id', type: 'bigint' })
  activationId: string;
}
