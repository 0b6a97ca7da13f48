import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A rulebook key (for example `ed-triage`): the stable name its versions share. Table `rulebook`. */
@Entity({ name: 'rulebook' })
export class RulebookEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text' })
  title: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
