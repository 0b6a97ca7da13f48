import type { CodingToken, FactDefinition } from '../rulebooks/rulebook.types.js';
import { derivedNumber, notInSuppliedData, unreadable, type DerivationContext, type Derived, type ObservationRule } from './fhir-derivation.js';
import { conceptTokens, isObject, type FhirInputResource, type FhirResource } from './fhir-input.js';
import { isDimensionlessUnity, numberFromValue, rawUnitOf } from './fhir-quantity.js';
import { toRfc3339Utc } from '../common/rfc3339.js';
import { parseFhirDateTime } from './fhir-time.js';
import type { MissingFactDetail, TakenFact } from './taken-fact.js';
import { convertUcum } from './ucum-units.js';

/** The part of an Observation that carries `value[x]` for the fact: the Observation itself, or a panel component. */
interface ValueHolder {
  holder: Record<string, unknown>;
  pointer: string;
  /** The matched coding of the Observation or component code. */
  code: CodingToken;
}

/** An Observation holding a value for the fact, at its effective time. */
interface Reading {
  item: FhirInputResource;
  /** Where the value is: one holder, or for `quantity-above` every matching component of a panel. */
  holders: ValueHolder[];
  effective: number;
  status?: string;
}

/**
 * The time an Observation counts as made (FHIR R4 `Observation.effective[x]`): `effectiveDateTime` or
 * `effectiveInstant`; for `effectivePeriod` its `end`, else its `start` (a measurement over a period is complete at
 * its end, so before then it is not yet the latest one). A date without a time counts as 00:00 UTC that day; a
 * year or year-month is too imprecise and, like `effectiveTiming` or no effective time at all, makes the Observation
 * ignored.
 */
function effectiveTime(observation: FhirResource, cache: DerivationContext['effectiveTimes']): number | undefined {
  if (cache.has(observation)) return cache.get(observation);
  let text: unknown = observation.effectiveDateTime ?? observation.effectiveInstant;
  if (text === undefined && isObject(observation.effectivePeriod)) {
    text = observation.effectivePeriod.end ?? observation.effectivePeriod.start;
  }
  const interval = typeof text === 'string' ? parseFhirDateTime(text) : undefined;
  const time = interval && (interval.precision === 'day' || interval.precision === 'time') ? interval.start : undefined;
  cache.set(observation, time);
  return time;
}

function hasValue(holder: Record<string, unknown>, rule: ObservationRule): boolean {
  if (rule.value === 'coded') return conceptTokens(holder.valueCodeableConcept).length > 0;
  if (isObject(holder.valueQuantity) && typeof holder.valueQuantity.value === 'number') return true;
  return rule.value === 'quantity' && typeof holder.valueInteger === 'number';
}

/** The value-carrying parts of an Observation for the rule: top level by `codes`, else panel components. */
function holdersOf(item: FhirInputResource, rule: ObservationRule): ValueHolder[] {
  const observation = item.resource;
  const codes = conceptTokens(observation.code);
  const topLevel = codes.find((token) => rule.codes.has(token));
  if (topLevel && hasValue(observation, rule)) return [{ holder: observation, pointer: item.pointer, code: topLevel }];
  if (!codes.some((token) => rule.panelCodes.has(token)) || !Array.isArray(observation.component)) return [];
  const holders: ValueHolder[] = [];
  for (const [index, component] of observation.component.entries()) {
    if (!isObject(component)) continue;
    const code = conceptTokens(component.code).find((token) => rule.componentCodes.has(token));
    if (code && hasValue(component, rule)) {
      holders.push({ holder: component, pointer: `${item.pointer}/component/${index}`, code });
      if (rule.value !== 'quantity-above') break;
    }
  }
  return holders;
}

/** Later in time, or as late and earlier in bundle order (the first in bundle order wins a tie). */
function isLater(a: Reading, b: Reading | undefined): boolean {
  return !b || a.effective > b.effective || (a.effective === b.effective && a.item.position < b.item.position);
}

/**
 * `observation`: the latest usable reading at or before `asOf`. A reading is an Observation about the patient whose
 * code has one of `codes` and that carries a value, or whose code has one of `components.panelCodes` and that has a
 * component coded with one of `components.codes` carrying a value (blood pressure 8480-6 inside 85354-9; oxygen
 * flow 3151-8 inside a pulse-oximetry 59408-5). It is usable when its `Observation.status` is accepted (`statuses`,
 * default {@link DEFAULT_OBSERVATION_STATUSES}; others are listed in `ignoredResources`) and, with `maxAge`, it is
 * effective at or after `asOf - maxAge`. With `preferCategory`, the latest usable reading with such a category wins
 * over later ones without. Equal times: the first in bundle order wins. An Observation with the code but no value (a
 * `dataAbsentReason`) is no reading; an older one stands in.
 *
 * No usable reading: missing, as `stale` when the latest reading of an accepted status is older than `maxAge`, as
 * `status-not-accepted` when the readings found all have other statuses, else `not-in-supplied-data`.
 *
 * The value of the reading (unreadable: 422 at the value unless `onUnreadable: missing`):
 * - `quantity`: `valueQuantity.value` converted with UCUM to the fact unit (see `numberFromQuantity`: no unit is read
 *   as a dimensionless fact unit such as `{score}`), or a `valueInteger` for a dimensionless fact; rounded half up to
 *   the fact precision; checked against `range`.
 * - `coded`: the first coding of `valueCodeableConcept` found in `codeMap`; none found: missing (`unreadable`, never
 *   refused; an older Observation does not stand in for the latest one).
 * - `quantity-nonzero`: `valueQuantity.value > 0`.
 * - `quantity-above`: the value converted to the unit of the threshold `above[code]` of the matched code (a value
 *   with no unit is read in a dimensionless threshold unit) is above the threshold. In a panel, true when any
 *   matching component is above its threshold.
 */
export function deriveFromObservation(name: string, definition: FactDefinition, rule: ObservationRule, context: DerivationContext): Derived {
  const asOf = context.asOf.getTime();
  const oldest = rule.maxAge === undefined ? -Infinity : asOf - rule.maxAge.ms;
  const seen = new Set<FhirInputResource>();
  let latestFound: Reading | undefined;
  let latestAccepted: Reading | undefined;
  let best: { reading: Reading; preferred: boolean } | undefined;
  for (const token of [...rule.codes, ...rule.panelCodes]) {
    for (const item of context.index.observationsByCode.get(token) ?? []) {
      if (seen.has(item)) continue;
      seen.add(item);
      const effective = effectiveTime(item.resource, context.effectiveTimes);
      if (effective === undefined || effective > asOf) continue;
      const holders = holdersOf(item, rule);
      if (holders.length === 0) continue;
      const status = typeof item.resource.status === 'string' ? item.resource.status : undefined;
      const reading: Reading = { item, holders, effective, ...(status !== undefined && { status }) };
      if (isLater(reading, latestFound)) latestFound = reading;
      if (status === undefined || !rule.statuses.has(status)) {
        context.ignored.push({
          reference: item.reference ?? item.pointer,
          resourceType: 'Observation',
          reason: 'status-not-accepted',
          detail: `status ${status ?? '(none)'} does not count for ${name} (accepted: ${[...rule.statuses].join(', ')})`,
          fact: name,
        });
        continue;
      }
      if (isLater(reading, latestAccepted)) latestAccepted = reading;
      if (effective < oldest) continue;
      const preferred = rule.preferCategory.size > 0 && categoryTokens(item.resource).some((t) => rule.preferCategory.has(t));
      if (!best || (preferred && !best.preferred) || (preferred === best.preferred && isLater(reading, best.reading))) {
        best = { reading, preferred };
      }
    }
  }
  if (!best) return whyMissing(rule, latestFound, latestAccepted);
  return readValue(definition, rule, best.reading);
}

function categoryTokens(observation: FhirResource): CodingToken[] {
  return Array.isArray(observation.category) ? observation.category.flatMap(conceptTokens) : [];
}

function codeText(rule: ObservationRule): string {
  return [...rule.codes, ...rule.componentCodes].filter((t, i, all) => all.indexOf(t) === i).join(', ');
}

/** What a reading was, for a missing fact's detail. */
function describe(reading: Reading): Omit<MissingFactDetail, 'reason' | 'detail'> {
  const [first] = reading.holders;
  const quantity = isObject(first.holder.valueQuantity) ? first.holder.valueQuantity : undefined;
  const rawValue = quantity?.value ?? first.holder.valueInteger ?? conceptTokens(first.holder.valueCodeableConcept)[0];
  const rawUnit = quantity && rawUnitOf(quantity);
  return {
    reference: reading.item.reference ?? reading.item.pointer,
    effective: toRfc3339Utc(reading.effective),
    code: first.code,
    ...(rawValue !== undefined && { rawValue }),
    ...(rawUnit !== undefined && { rawUnit }),
    ...(reading.status !== undefined && { status: reading.status }),
  };
}

function whyMissing(rule: ObservationRule, latestFound: Reading | undefined, latestAccepted: Reading | undefined): Derived {
  if (!latestFound) {
    return notInSuppliedData(`no Observation coded ${codeText(rule)} with a value about the patient at or before asOf in the data supplied`);
  }
  if (latestAccepted && rule.maxAge) {
    const found = describe(latestAccepted);
    const later = latestFound !== latestAccepted ? `; the later ${describe(latestFound).reference} has status ${latestFound.status ?? '(none)'}, which does not count` : '';
    return {
      missing: {
        reason: 'stale',
        detail: `latest reading ${found.reference} at ${found.effective} is older than the maximum age ${rule.maxAge.text}${later}`,
        ...found,
      },
    };
  }
  const found = describe(latestFound);
  return {
    missing: {
      reason: 'status-not-accepted',
      detail: `latest reading ${found.reference} at ${found.effective} has status ${latestFound.status ?? '(none)'}, which does not count (accepted: ${[...rule.statuses].join(', ')})`,
      ...found,
    },
  };
}

function readValue(definition: FactDefinition, rule: ObservationRule, reading: Reading): Derived {
  const [first] = reading.holders;
  const provenance: Omit<TakenFact, 'value' | 'source'> = {
    reference: reading.item.reference,
    code: first.code,
    effective: toRfc3339Utc(reading.effective),
    ...(reading.status !== undefined && { status: reading.status }),
  };
  const found = { ...provenance, reference: provenance.reference ?? reading.item.pointer };
  switch (rule.value) {
    case 'coded': {
      const codings = conceptTokens(first.holder.valueCodeableConcept);
      const matched = codings.find((token) => rule.codeMap.has(token));
      if (matched === undefined) {
        const detail = `${found.reference}: no code among ${codings.join(', ')} is mapped by the rulebook`;
        return { missing: { reason: 'unreadable', detail, ...found, rawValue: codings[0] } };
      }
      return { fact: { value: rule.codeMap.get(matched) as string, source: 'fhir', ...provenance, rawValue: matched } };
    }
    case 'quantity-nonzero': {
      const quantity = first.holder.valueQuantity as Record<string, unknown>;
      const raw = quantity.value as number;
      return { fact: { value: raw > 0, source: 'fhir', ...provenance, rawValue: raw, rawUnit: rawUnitOf(quantity) } };
    }
    case 'quantity-above':
      return readAbove(rule, reading, provenance);
    case 'quantity': {
      const number = numberFromValue(definition, first.holder, first.pointer);
      if (!number) throw new Error('a reading without a value'); // excluded by hasValue
      return derivedNumber(number, provenance);
    }
  }
}

/** `quantity-above` over the holders of one reading: true when any is above its code's threshold. */
function readAbove(rule: ObservationRule, reading: Reading, provenance: Omit<TakenFact, 'value' | 'source'>): Derived {
  let problem: Derived | undefined;
  let firstFalse: TakenFact | undefined;
  for (const { holder, pointer, code } of reading.holders) {
    const quantity = holder.valueQuantity as Record<string, unknown>;
    const raw = quantity.value as number;
    const rawUnit = rawUnitOf(quantity);
    const threshold = rule.above.get(code);
    if (!threshold) throw new Error(`no threshold for ${code}`); // excluded by the catalog check
    const unit = rawUnit ?? (isDimensionlessUnity(threshold.unit) ? threshold.unit : undefined);
    const value = unit === undefined ? undefined : convertUcum(raw, unit, threshold.unit);
    const taken: TakenFact = { value: false, source: 'fhir', ...provenance, code, rawValue: raw, rawUnit };
    if (value === undefined) {
      const message = rawUnit === undefined ? `has no unit; ${threshold.unit} is needed` : `unit '${rawUnit}' is not a UCUM unit convertible to ${threshold.unit}`;
      problem ??= unreadable(
        { pointer: `${pointer}/valueQuantity`, message },
        { reference: provenance.reference ?? reading.item.pointer, code, effective: provenance.effective, status: provenance.status, rawValue: raw, rawUnit },
      );
    } else if (value > threshold.value) {
      return { fact: { ...taken, value: true } };
    } else {
      firstFalse ??= taken;
    }
  }
  return problem ?? { fact: firstFalse as TakenFact };
}
