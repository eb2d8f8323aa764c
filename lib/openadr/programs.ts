/**
 * OpenADR programs and FlexDR programs: name, and baseline and settlement rules as private attributes.
 */
import {
  BaselineMethod,
  type Program as FlexdrProgram,
  Program as FlexdrProgramSchema,
  SettlementRules,
} from '../domain/model/program.ts';
import { parseOrThrow } from '../domain/validate.ts';
import { FLEXDR_LOAD_INCREASE } from './events.ts';
import { refuse } from './intervals.ts';
import type { ProgramRequest, ValuesMap } from './schemas.ts';

/** Private program attribute types (the spec allows privately defined `valuesMap` types). */
export const FLEXDR_BASELINE = 'FLEXDR_BASELINE';
export const FLEXDR_SETTLEMENT = 'FLEXDR_SETTLEMENT';

/** Baseline used when a program carries no `FLEXDR_BASELINE` attribute: 5 working days (Jiangsu). */
export const DEFAULT_BASELINE: BaselineMethod = {
  method: 'N_DAY_AVERAGE',
  days: 5,
  dayFilter: 'WORKDAY',
  lookbackDays: 45,
};

/**
 * Settlement when a program carries no `FLEXDR_SETTLEMENT` attribute: delivery is measured against
 * the baseline and reported, and paid at 0 元/kWh until the BL states a price. Inner Mongolia
 * publishes no demand-response price (DESIGN §6), so FlexDR guesses none; the program's answer
 * carries these rules in its attributes, so the BL sees what applies and can replace them.
 */
export const DEFAULT_SETTLEMENT: SettlementRules = {
  unit: 'YUAN_PER_KWH',
  price: 0,
  minRatio: 0.8,
  maxRatio: 1.2,
};

/**
 * The program's attributes with FlexDR's rules stated: the baseline and settlement attributes
 * the request left out are added with their defaults, so a minimal program answers what it runs on.
 */
export function withStatedRules(attributes: readonly ValuesMap[] | null | undefined): ValuesMap[] {
  const given = attributes ?? [];
  const has = (type: string) => given.some((a) => a.type === type);
  return [
    ...given,
    ...(has(FLEXDR_BASELINE) ? [] : [{ type: FLEXDR_BASELINE, values: [JSON.stringify(DEFAULT_BASELINE)] }]),
    ...(has(FLEXDR_SETTLEMENT)
      ? []
      : [{ type: FLEXDR_SETTLEMENT, values: [JSON.stringify(DEFAULT_SETTLEMENT)] }]),
  ];
}

function attributeJson(attributes: readonly ValuesMap[] | null | undefined, type: string): unknown {
  const found = attributes?.filter((a) => a.type === type) ?? [];
  if (found.length === 0) return undefined;
  const path = `attributes.${type}`;
  if (found.length > 1) refuse(path, 'given more than once');
  const [value, ...rest] = found[0]?.values ?? [];
  if (typeof value !== 'string' || rest.length > 0) refuse(path, 'values must be one JSON string');
  try {
    return JSON.parse(value);
  } catch {
    return refuse(path, 'values[0] is not valid JSON');
  }
}

/**
 * An OpenADR program as a FlexDR program. `programName` is the name; the baseline and settlement
 * rules travel as JSON in the private attributes `FLEXDR_BASELINE` and `FLEXDR_SETTLEMENT`.
 * They default to {@link DEFAULT_BASELINE} and {@link DEFAULT_SETTLEMENT}: `programName` alone
 * makes a program, as the specification's `programRequest` allows.
 */
export function programToFlexdr(
  program: ProgramRequest & { id?: string },
  programId = program.id,
): FlexdrProgram {
  if (programId === undefined) refuse('id', 'a program id is required');
  const settlement = attributeJson(program.attributes, FLEXDR_SETTLEMENT) ?? DEFAULT_SETTLEMENT;
  return parseOrThrow(
    FlexdrProgramSchema,
    {
      programId,
      name: program.programName,
      baseline: attributeJson(program.attributes, FLEXDR_BASELINE) ?? DEFAULT_BASELINE,
      settlement,
    },
    'OpenADR program',
  );
}

/** A FlexDR program as an OpenADR program request (the VTN adds `id` and the metadata). */
export function programFromFlexdr(program: FlexdrProgram): ProgramRequest {
  const baseline = parseOrThrow(BaselineMethod, program.baseline, 'baseline');
  const settlement = parseOrThrow(SettlementRules, program.settlement, 'settlement');
  return {
    programName: program.name,
    attributes: [
      { type: FLEXDR_BASELINE, values: [JSON.stringify(baseline)] },
      { type: FLEXDR_SETTLEMENT, values: [JSON.stringify(settlement)] },
    ],
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: FLEXDR_LOAD_INCREASE, units: 'KW' },
    ],
  };
}
