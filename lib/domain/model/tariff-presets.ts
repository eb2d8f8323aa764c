/**
 * Tariff presets for Inner Mongolia's two grids, as editable program data (`Program.tariffs`, set
 * through `PUT /programs/{programId}`). Only 蒙西's heating tariff is stated in the sources this
 * project draws on (DESIGN §3); every other season here is a placeholder that says so in its
 * `source` and carries `placeholder: true`, so reports flag what is computed from it.
 */
import { type Tariffs, ZoneTariff } from './tariff.ts';

/** The heating season of DESIGN §3, "mid-October to mid-April", as the simulator dates it. */
const HEATING = { from: '10-15', to: '04-15' } as const;
const NON_HEATING = { from: '04-16', to: '10-14' } as const;

/** 蒙西's tariff for electric heating (DESIGN §3): peak 08:00–18:00, valley 18:00–08:00. */
const MENGXI_HEATING_PERIODS = [
  { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.465 },
  { kind: 'VALLEY', from: '18:00', to: '08:00', yuanPerKwh: 0.165 },
] as const;

const PLACEHOLDER_PRICES =
  'These periods and prices repeat 蒙西’s heating tariff (peak 08:00–18:00 at 0.465 元/kWh, valley ' +
  '18:00–08:00 at 0.165 元/kWh) only so that lookups work: they are an editable placeholder. Enter the ' +
  'published tariff before reading energy-cost figures for events in this season.';

/** 蒙西 (Inner Mongolia Power Group: Hohhot, Baotou, Wuhai, Ulanqab, Ordos, Bayannur, Xilingol, Alxa). */
export const MENGXI_TARIFF: ZoneTariff = ZoneTariff.parse({
  zone: 'mengxi',
  name: '蒙西 (Inner Mongolia Power Group)',
  seasons: [
    {
      name: 'heating',
      ...HEATING,
      periods: MENGXI_HEATING_PERIODS,
      source:
        'DESIGN §3 (Inner Mongolia facts): 蒙西’s heating tariff for electric heating, peak 08:00–18:00 at ' +
        '0.465 元/kWh and valley 18:00–08:00 at 0.165 元/kWh; the heating season runs mid-October to ' +
        'mid-April (15 October–15 April here). It prices electric heating: a building’s other loads may ' +
        'be billed under a general time-of-use tariff, which is not stated in the sources.',
    },
    {
      name: 'non-heating',
      ...NON_HEATING,
      periods: MENGXI_HEATING_PERIODS,
      source: `Placeholder: no 蒙西 tariff outside the heating season is stated in DESIGN or the seed texts. ${PLACEHOLDER_PRICES}`,
      placeholder: true,
    },
  ],
});

/** 蒙东 (State Grid East Inner Mongolia: Tongliao, Hinggan, Hulunbuir, Chifeng). */
export const MENGDONG_TARIFF: ZoneTariff = ZoneTariff.parse({
  zone: 'mengdong',
  name: '蒙东 (State Grid East Inner Mongolia)',
  seasons: [
    {
      name: 'heating',
      ...HEATING,
      periods: MENGXI_HEATING_PERIODS,
      source:
        'Placeholder: no 蒙东 tariff is stated in DESIGN or the seed texts. The season’s dates are DESIGN’s ' +
        'for Inner Mongolia (mid-October to mid-April); the northern cities (Hulunbuir, Hinggan) may heat ' +
        `for longer, so check the local notice. ${PLACEHOLDER_PRICES}`,
      placeholder: true,
    },
    {
      name: 'non-heating',
      ...NON_HEATING,
      periods: MENGXI_HEATING_PERIODS,
      source: `Placeholder: no 蒙东 tariff is stated in DESIGN or the seed texts. ${PLACEHOLDER_PRICES}`,
      placeholder: true,
    },
  ],
});

/** Both presets, ready for `Program.tariffs`. */
export const INNER_MONGOLIA_TARIFFS: Tariffs = [MENGXI_TARIFF, MENGDONG_TARIFF];
