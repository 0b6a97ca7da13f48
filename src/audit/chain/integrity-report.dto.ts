import { ApiProperty } from '@nestjs/swagger';
import type { BrokenLink, BrokenLinkKind, IntegrityReport } from './chain-verification.js';

/**
 * The OpenAPI schema of `GET /v1/audit/integrity` 200 (`IntegrityReport`, see `audit/README.md` for the chain).
 * Documentation only; each class `implements` the type it documents.
 */

const BROKEN_LINK_KINDS: BrokenLinkKind[] = ['record-altered', 'record-deleted', 'record-inserted', 'link-broken', 'entry-missing'];

/** One finding of a verification. */
export class BrokenLinkDto implements BrokenLink {
  @ApiProperty({ enum: BROKEN_LINK_KINDS, description: 'record-altered: the rows no longer hash to the sealed record hash; record-deleted; '
    + 'record-inserted: older than the horizon but not in the chain; link-broken: the chain itself was edited; entry-missing: a position is missing.' })
  kind!: BrokenLinkKind;

  @ApiProperty({ example: 1042, description: 'Chain position; for an inserted record, the position it follows (0: before the first).' })
  seq!: number;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  decisionId!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  evaluatedAt!: string | null;

  @ApiProperty()
  detail!: string;
}

/** The range verified, as asked. */
export class IntegrityRangeDto implements Readonly<IntegrityReport['range']> {
  @ApiProperty({ type: Number, nullable: true })
  fromSeq!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  toSeq!: number | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  to!: string | null;
}

/** A chain position and its chain hash. */
export class ChainLinkDto {
  @ApiProperty({ example: 1042 })
  seq!: number;

  @ApiProperty({ example: 'sha256:5e1d9a7c3b2f4e6d8a0c1b3e5f7a9d2c4b6e8f0a1c3d5e7f9b2a4c6e8d0f1a3b5' })
  chainHash!: string;
}

/** The link the verification started from. */
export class IntegrityAnchorDto implements Readonly<IntegrityReport['anchor']> {
  @ApiProperty({ example: 1041, description: 'fromSeq − 1 (0: the range starts at the first link).' })
  seq!: number;

  @ApiProperty({ type: String, nullable: true, example: 'sha256:' + '0'.repeat(64),
    description: 'Its chain hash (the genesis hash at 0); null when that link is missing (an entry-missing finding; the first link of the range is then not judged).' })
  chainHash!: string | null;
}

/** How much was verified. */
export class IntegrityCheckedDto implements Readonly<IntegrityReport['checked']> {
  @ApiProperty({ description: 'Chain links verified.' })
  links!: number;

  @ApiProperty({ description: 'Decision records whose hash was recomputed.' })
  records!: number;
}

/** `GET /v1/audit/integrity` 200: whether the chain holds over the range, and the first broken link. */
export class IntegrityReportDto implements IntegrityReport {
  @ApiProperty({ description: 'True when nothing is broken in the range.' })
  ok!: boolean;

  @ApiProperty({ type: IntegrityRangeDto })
  range!: IntegrityRangeDto;

  @ApiProperty({ type: IntegrityAnchorDto, description: 'The chain hash the verification started from (the link before the range, or the genesis hash).' })
  anchor!: IntegrityAnchorDto;

  @ApiProperty({ type: ChainLinkDto, nullable: true, description: 'The last verified link: compare with a copy kept elsewhere to detect a rewritten chain.' })
  head!: ChainLinkDto | null;

  @ApiProperty({ type: IntegrityCheckedDto })
  checked!: IntegrityCheckedDto;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Every decision evaluated before it is in the chain.' })
  horizon!: string | null;

  @ApiProperty({ description: 'Decisions newer than the horizon, not yet sealed (not an alarm).' })
  pending!: number;

  @ApiProperty({ description: 'More links than one call verifies (20,000): continue from head.seq + 1.' })
  truncated!: boolean;

  @ApiProperty({ type: BrokenLinkDto, nullable: true })
  firstBrokenLink!: BrokenLinkDto | null;

  @ApiProperty({ description: 'Number of findings.' })
  problemCount!: number;

  @ApiProperty({ type: [BrokenLinkDto], description: 'The first 100 findings, in chain order.' })
  problems!: BrokenLinkDto[];
}
