import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/domain/errors.ts';
import { Program } from '../../lib/domain/model/program.ts';
import { Tariffs, TouPeriod, ZoneTariff, type ZoneTariffInput } from '../../lib/domain/model/tariff.ts';
import {
  INNER_MONGOLIA_TARIFFS,
  MENGDONG_TARIFF,
  MENGXI_TARIFF,
} from '../../lib/domain/model/tariff-presets.ts';
import { parseOrThrow } from '../../lib/domain/validate.ts';

/** The validation message of `input`, which must be refused. */
function refusal(schema: Parameters<typeof parseOrThrow>[0], input: unknown): string {
  try {
    parseOrThrow(schema, input, 'tariff');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}

/** A one-season zone whose day is split into the given periods. */
function zoneWith(periods: ZoneTariffInput['seasons'][number]['periods']): ZoneTariffInput {
  return {
    zone: 'test',
    name: 'Test zone',
    seasons: [{ name: 'all-year', from: '01-01', to: '12-31', periods, source: 'test' }],
  };
}

describe('tariff presets', () => {
  it('carry 蒙西’s heating tariff from DESIGN and mark every other season as a placeholder', () => {
    // Prepare: the presets are parsed when the module loads; parse them again as a program would
    const parsed = parseOrThrow(Tariffs, INNER_MONGOLIA_TARIFFS, 'presets');

    // Act
    const heating = MENGXI_TARIFF.seasons.find((s) => s.name === 'heating');
    const others = [...MENGXI_TARIFF.seasons, ...MENGDONG_TARIFF.seasons].filter((s) => s !== heating);

    // Assess: DESIGN §3 — peak 08:00–18:00 at 0.465, valley 18:00–08:00 at 0.165, mid-October to mid-April
    expect(parsed.map((t) => t.zone)).toEqual(['mengxi', 'mengdong']);
    expect(heating).toMatchObject({ from: '10-15', to: '04-15', placeholder: false });
    expect(heating?.periods).toEqual([
      { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.465 },
      { kind: 'VALLEY', from: '18:00', to: '08:00', yuanPerKwh: 0.165 },
    ]);
    // Nothing else is stated in DESIGN or the seed texts: three placeholder seasons that say so.
    expect(others).toHaveLength(3);
    for (const s of others) {
      expect(s.placeholder).toBe(true);
      expect(s.source).toMatch(/^Placeholder: no 蒙[西东] tariff .*is stated in DESIGN or the seed texts/);
      expect(s.source).toContain('editable placeholder');
    }
  });

  it('can be carried by a program, which stays valid without them', () => {
    // Prepare
    const program = {
      programId: 'mengxi-valley',
      name: 'Valley filling',
      baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH', price: 0.35 },
    };

    // Act
    const withTariffs = Program.parse({ ...program, tariffs: INNER_MONGOLIA_TARIFFS });
    const without = Program.parse(program);

    // Assess
    expect(withTariffs.tariffs).toEqual(INNER_MONGOLIA_TARIFFS);
    expect(without.tariffs).toBeUndefined();
  });
});

describe('tariff validation', () => {
  it('accepts one period for the whole day (00:00–24:00) and defaults placeholder to false', () => {
    // Act
    const t = ZoneTariff.parse(zoneWith([{ kind: 'FLAT', from: '00:00', to: '24:00', yuanPerKwh: 0.4 }]));

    // Assess
    expect(t.seasons[0]?.placeholder).toBe(false);
  });

  it('names the hours no period covers', () => {
    // Prepare: 18:00–19:00 is left out between the peak and the valley
    const input = zoneWith([
      { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.465 },
      { kind: 'VALLEY', from: '19:00', to: '08:00', yuanPerKwh: 0.165 },
    ]);

    // Act
    const message = refusal(ZoneTariff, input);

    // Assess
    expect(message).toContain("seasons.0.periods: season 'all-year': nothing covers 18:00–19:00 of the day");
  });

  it('names the periods that overlap and where', () => {
    // Prepare: the valley starts an hour before the peak ends
    const input = zoneWith([
      { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.465 },
      { kind: 'VALLEY', from: '17:00', to: '08:00', yuanPerKwh: 0.165 },
    ]);

    // Act
    const message = refusal(ZoneTariff, input);

    // Assess
    expect(message).toContain(
      'period 0 (PEAK 08:00–18:00) and period 1 (VALLEY 17:00–08:00) overlap at 17:00–18:00',
    );
  });

  it('reports a gap that wraps midnight in both its parts', () => {
    // Prepare: nothing from 22:00 to 06:00
    const input = zoneWith([{ kind: 'FLAT', from: '06:00', to: '22:00', yuanPerKwh: 0.4 }]);

    // Act
    const message = refusal(ZoneTariff, input);

    // Assess
    expect(message).toContain('nothing covers 00:00–06:00 of the day');
    expect(message).toContain('nothing covers 22:00–24:00 of the day');
  });

  it.each([
    [
      { kind: 'PEAK', from: '08:00', to: '08:00', yuanPerKwh: 1 },
      'to: a period from 08:00 to 08:00 is empty',
    ],
    [
      { kind: 'PEAK', from: '24:00', to: '08:00', yuanPerKwh: 1 },
      'from: a period starts at 23:59 at the latest',
    ],
    [
      { kind: 'PEAK', from: '8:00', to: '18:00', yuanPerKwh: 1 },
      'from: expected HH:MM between 00:00 and 24:00',
    ],
    [{ kind: 'PEAK', from: '08:00', to: '24:30', yuanPerKwh: 1 }, 'to: expected HH:MM'],
    [{ kind: 'SHARP', from: '08:00', to: '18:00', yuanPerKwh: 1 }, 'kind'],
    [{ kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: -0.1 }, 'yuanPerKwh'],
  ])('refuses the period %j', (period, expected) => {
    expect(refusal(TouPeriod, period)).toContain(expected);
  });

  it('names the days no season covers and the days two seasons share, across the year end', () => {
    // Prepare: heating 15 Oct–15 Apr wraps the year end; the other season starts a day late (04-17)
    // and ends a day late (10-15), so 04-16 is uncovered and 10-15 is in both.
    const periods = [{ kind: 'FLAT', from: '00:00', to: '24:00', yuanPerKwh: 0.4 }] as const;
    const input = {
      zone: 'mengxi',
      name: '蒙西',
      seasons: [
        { name: 'heating', from: '10-15', to: '04-15', periods, source: 'test' },
        { name: 'non-heating', from: '04-17', to: '10-15', periods, source: 'test' },
      ],
    };

    // Act
    const message = refusal(ZoneTariff, input);

    // Assess
    expect(message).toContain("seasons: zone 'mengxi': nothing covers 04-16 of the year");
    expect(message).toContain(
      "season 0 ('heating' 10-15–04-15) and season 1 ('non-heating' 04-17–10-15) overlap at 10-15",
    );
  });

  it('counts 29 February: a season ending on 02-28 leaves it uncovered', () => {
    // Prepare
    const periods = [{ kind: 'FLAT', from: '00:00', to: '24:00', yuanPerKwh: 0.4 }] as const;
    const input = {
      zone: 'test',
      name: 'Test',
      seasons: [
        { name: 'winter', from: '11-01', to: '02-28', periods, source: 'test' },
        { name: 'rest', from: '03-01', to: '10-31', periods, source: 'test' },
      ],
    };

    // Act / Assess
    expect(refusal(ZoneTariff, input)).toContain('nothing covers 02-29 of the year');
  });

  it('refuses a day that does not exist and two tariffs for one zone', () => {
    // Prepare
    const bad = { ...MENGXI_TARIFF, seasons: [{ ...MENGXI_TARIFF.seasons[0], from: '02-30' }] };

    // Act / Assess
    expect(refusal(ZoneTariff, bad)).toContain('seasons.0.from: not a day of the year');
    expect(refusal(Tariffs, [MENGXI_TARIFF, MENGXI_TARIFF])).toContain(
      "1.zone: zone 'mengxi' has two tariffs",
    );
  });
});
