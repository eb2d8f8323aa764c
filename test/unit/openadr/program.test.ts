import { describe, expect, it } from 'vitest';
import type { Program } from '../../../lib/domain/model/program.ts';
import {
  DEFAULT_BASELINE,
  DEFAULT_SETTLEMENT,
  FLEXDR_BASELINE,
  FLEXDR_SETTLEMENT,
  programFromFlexdr,
  programToFlexdr,
  withStatedRules,
} from '../../../lib/openadr/mapping.ts';
import { Program as OadrProgram, ProgramRequest } from '../../../lib/openadr/schemas.ts';
import { officialErrors } from './official-schema.ts';
import { metadata, refusal } from './support.ts';

/** Beijing-style: 5 of 10 working days from D−12 to D−2, paid per kWh with Sichuan's excess rule. */
const beijing: Program = {
  programId: 'beijing-peak',
  name: 'Beijing peak shaving 2026',
  baseline: {
    method: 'HIGH_K_OF_M',
    k: 5,
    m: 10,
    skipDays: 1,
    rankBy: 'DAILY_MAX',
    dayFilter: 'WORKDAY',
    lookbackDays: 60,
  },
  settlement: {
    unit: 'YUAN_PER_KWH',
    price: 3,
    minRatio: 0.8,
    maxRatio: 1.2,
    excess: { aboveRatio: 1.1, paidShare: 0.5 },
  },
};

describe('programs', () => {
  it('a FlexDR program becomes a program request the official schema accepts, and comes back unchanged', () => {
    const request = programFromFlexdr(beijing);
    expect(officialErrors('programRequest', request)).toEqual([]);
    const stored = { id: 'beijing-peak', objectType: 'PROGRAM' as const, ...metadata, ...request };
    expect(officialErrors('program', stored)).toEqual([]);
    expect(OadrProgram.parse(stored)).toEqual(stored);
    expect(programToFlexdr(stored)).toEqual(beijing);
  });

  it('carries baseline and settlement as JSON in private attributes', () => {
    const request = programFromFlexdr(beijing);
    expect(request.programName).toBe('Beijing peak shaving 2026');
    expect(request.attributes?.find((a) => a.type === FLEXDR_SETTLEMENT)?.values).toEqual([
      '{"unit":"YUAN_PER_KWH","price":3,"minRatio":0.8,"maxRatio":1.2,"excess":{"aboveRatio":1.1,"paidShare":0.5}}',
    ]);
  });

  it('defaults the baseline to 5 working days and FlexDR defaults of the settlement rules', () => {
    const request = ProgramRequest.parse({
      programName: 'Jiangsu valley',
      attributes: [
        { type: 'PROGRAM_LONG_NAME', values: ['Jiangsu valley filling'] },
        { type: FLEXDR_SETTLEMENT, values: ['{"unit":"YUAN_PER_KW","price":2}'] },
      ],
    });
    expect(programToFlexdr(request, 'jiangsu-valley')).toEqual({
      programId: 'jiangsu-valley',
      name: 'Jiangsu valley',
      baseline: DEFAULT_BASELINE,
      settlement: { unit: 'YUAN_PER_KW', price: 2, minRatio: 0.8, maxRatio: 1.2 },
    });
  });

  it('makes a program of programName alone, on FlexDR rules it states in the attributes', () => {
    expect(programToFlexdr({ programName: 'minimal' }, 'p1')).toEqual({
      programId: 'p1',
      name: 'minimal',
      baseline: DEFAULT_BASELINE,
      settlement: DEFAULT_SETTLEMENT,
    });
    expect(DEFAULT_SETTLEMENT.price).toBe(0);
    const stated = withStatedRules(undefined);
    expect(stated.map((a) => a.type)).toEqual([FLEXDR_BASELINE, FLEXDR_SETTLEMENT]);
    expect(JSON.parse(stated[1]?.values[0] as string)).toEqual(DEFAULT_SETTLEMENT);
    // Rules a BL gave stay as given; only the missing one is stated.
    const given = { type: FLEXDR_SETTLEMENT, values: ['{"unit":"YUAN_PER_KWH","price":1.5}'] };
    expect(withStatedRules([given]).map((a) => a.type)).toEqual([FLEXDR_SETTLEMENT, FLEXDR_BASELINE]);
    expect(withStatedRules([given])[0]).toBe(given);
  });

  it.each<[string, Parameters<typeof programToFlexdr>, string]>([
    ['no id', [{ programName: 'x' }], 'id: a program id is required'],
    [
      'settlement that is not JSON',
      [{ programName: 'x', attributes: [{ type: FLEXDR_SETTLEMENT, values: ['price=3'] }] }, 'p1'],
      'attributes.FLEXDR_SETTLEMENT: values[0] is not valid JSON',
    ],
    [
      'settlement given twice',
      [
        {
          programName: 'x',
          attributes: [
            { type: FLEXDR_SETTLEMENT, values: ['{}'] },
            { type: FLEXDR_SETTLEMENT, values: ['{}'] },
          ],
        },
        'p1',
      ],
      'attributes.FLEXDR_SETTLEMENT: given more than once',
    ],
    [
      'a baseline FlexDR does not know',
      [
        {
          programName: 'x',
          attributes: [
            { type: FLEXDR_SETTLEMENT, values: ['{"unit":"YUAN_PER_KWH","price":1}'] },
            { type: FLEXDR_BASELINE, values: ['{"method":"REGRESSION"}'] },
          ],
        },
        'p1',
      ],
      'invalid OpenADR program: baseline.method',
    ],
  ])('refuses %s', (_, args, message) => {
    expect(refusal(() => programToFlexdr(...args))).toContain(message);
  });
});
