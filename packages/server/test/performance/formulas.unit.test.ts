import { describe, expect, it } from 'vitest';
import { boundaryTerms, type MeterDefinition, supportedBoundaries } from '../../src/performance/boundary.js';
import {
  carnotCop,
  carnotPercent,
  type HourFigures,
  heatLossSlope,
  heatWeightedFlowC,
  periodsOf,
  ratio,
} from '../../src/performance/formulas.js';

const HOUR = 3_600_000;
const hour = (h: Partial<HourFigures & { running: boolean }>): HourFigures & { running: boolean } => {
  const figures = {
    hour: 0,
    heatKwh: 0,
    electricityKwh: 0,
    covered: true,
    afterGap: false,
    flowC: null,
    outdoorC: null,
    ...h,
  };
  // Running as the service decides it: covered, not just after a gap, heat registered.
  return { running: figures.covered && !figures.afterGap && figures.heatKwh > 0, ...figures };
};

describe('performance formulas, by hand', () => {
  it('COP is Σheat / Σelectricity, never a mean of ratios', () => {
    // Two hours, 2 kWh / 1 kWh (COP 2) and 12 kWh / 3 kWh (COP 4): Σ 14 / 4 = 3.5, not (2 + 4) / 2 = 3.
    expect(ratio(2 + 12, 1 + 3)).toBe(3.5);
    expect(ratio(5, 0)).toBeNull();
  });

  it('Carnot COP is taken between condensing (flow + 2 K) and evaporating (outdoor − 6 K) temperatures', () => {
    // 35 °C flow, 5 °C outdoor: condensing 37 °C (310.15 K), evaporating −1 °C, lift 38 K.
    expect(carnotCop(35, 5)).toBeCloseTo(310.15 / 38, 10);
    // 45 °C flow, −5 °C outdoor: condensing 47 °C (320.15 K), evaporating −11 °C, lift 58 K.
    expect(carnotCop(45, -5)).toBeCloseTo(320.15 / 58, 10);
    // heatpumpmonitor.org's worked example: 35 °C flow at 6 °C outside, ideal COP 8.4.
    expect(carnotCop(35, 6)).toBeCloseTo(8.38, 2);
    // No lift between condensing and evaporating: no Carnot COP.
    expect(carnotCop(10, 20)).toBeNull();
    // Hour 1: 3 kWh of heat at 35/5 (ideal 8.1618) for 1 kWh; hour 2: 2 kWh at 45/−5 (ideal 5.5198) for 1 kWh.
    const hours = [
      hour({ heatKwh: 3, electricityKwh: 1, flowC: 35, outdoorC: 5 }),
      hour({ heatKwh: 2, electricityKwh: 1, flowC: 45, outdoorC: -5 }),
      // Left out: no outdoor temperature; after a gap; not covered; not running.
      hour({ heatKwh: 9, electricityKwh: 1, flowC: 45, outdoorC: null }),
      hour({ heatKwh: 9, electricityKwh: 1, flowC: 45, outdoorC: 0, afterGap: true }),
      hour({ heatKwh: 9, electricityKwh: 1, flowC: 45, outdoorC: 0, covered: false }),
      hour({ heatKwh: 0, electricityKwh: 0.1, flowC: 25, outdoorC: 0 }),
    ];
    const ideal = 3 / (310.15 / 38) + 2 / (320.15 / 58);
    expect(carnotPercent(hours)).toEqual({ percent: expect.closeTo((100 * ideal) / 2, 10), hours: 2 });
    // Weighted by heat: (3 × 35 + 2 × 45 + 9 × 45 + 9 × 45) / 23 (the hour after a gap left out).
    expect(heatWeightedFlowC(hours)).toBeCloseTo((3 * 35 + 2 * 45 + 9 * 45 + 9 * 45) / 23, 10);
  });

  it('heat loss is the least-squares slope of heat power on indoor − outdoor', () => {
    // y = 150·x − 400 exactly: the slope is 150 W/K.
    const days = [10, 12, 15, 18, 20].map((x) => ({ deltaTK: x, heatW: 150 * x - 400 }));
    expect(heatLossSlope(days)).toBeCloseTo(150, 10);
    expect(heatLossSlope([{ deltaTK: 10, heatW: 1000 }])).toBeNull();
  });

  it('periods follow the local calendar across DST, ISO weeks from Monday', () => {
    const zone = 'Europe/London';
    // 28–31 March 2026: the clocks go forward on Sunday 29th at 01:00 UTC; that local day has 23 hours.
    const from = Date.UTC(2026, 2, 28);
    const to = Date.UTC(2026, 2, 31);
    const days = periodsOf(from, to, 'day', zone).map(([s, e]) => (e - s) / HOUR);
    expect(days).toEqual([24, 23, 24, 1]);
    // Weeks: Monday 30 March 00:00 BST = 29 March 23:00 UTC.
    expect(periodsOf(from, to, 'week', zone)).toEqual([
      [from, Date.UTC(2026, 2, 29, 23)],
      [Date.UTC(2026, 2, 29, 23), to],
    ]);
    expect(periodsOf(from, to, 'month', zone)).toEqual([[from, to]]);
    expect(periodsOf(Date.UTC(2025, 11, 15), Date.UTC(2026, 1, 1), 'year', zone)).toEqual([
      [Date.UTC(2025, 11, 15), Date.UTC(2026, 0, 1)],
      [Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1)],
    ]);
    expect(periodsOf(from, to, 'all', zone)).toEqual([[from, to]]);
  });
});

const em = (serial: string, measures: string): MeterDefinition => ({
  serial,
  kind: 'electricity_meter',
  measures,
  channels: [
    { id: `${serial}-e`, key: 'electricity_energy', kind: 'register' },
    { id: `${serial}-p`, key: 'electricity_power', kind: 'instantaneous' },
  ],
});
const hm: MeterDefinition = {
  serial: 'HM',
  kind: 'heat_meter',
  channels: [{ id: 'HM-q', key: 'heat_energy', kind: 'register' }],
};

describe('SEPEMO boundaries from the meters', () => {
  it('states what each metering supports', () => {
    expect(supportedBoundaries([hm, em('C', 'compressor')]).levels).toEqual(['H1']);
    expect(supportedBoundaries([hm, em('P', 'heat_pump')]).levels).toEqual(['H2', 'H3']);
    expect(supportedBoundaries([hm, em('PB', 'heat_pump_and_backup')]).levels).toEqual(['H3']);
    expect(
      supportedBoundaries([hm, em('PB', 'heat_pump_and_backup'), em('CP', 'circulation_pump')]).levels,
    ).toEqual(['H3', 'H4']);
    expect(supportedBoundaries([hm, em('W', 'whole_house')])).toMatchObject({ levels: [] });
    expect(supportedBoundaries([em('P', 'heat_pump')])).toMatchObject({ levels: [] });
  });

  it('sums the right registers with the right signs', () => {
    const meters = [hm, em('P', 'heat_pump'), em('B', 'backup_heater'), em('I', 'immersion_heater')];
    const h2 = boundaryTerms(meters, 'H2');
    expect(h2.heat.map((t) => [t.channelId, t.sign])).toEqual([
      ['HM-q', 1],
      ['B-e', -1],
    ]);
    expect(h2.electricity.map((t) => t.channelId)).toEqual(['P-e']);
    const h3 = boundaryTerms(meters, 'H3');
    expect(h3.heat.map((t) => [t.channelId, t.sign])).toEqual([
      ['HM-q', 1],
      ['I-e', 1],
    ]);
    expect(h3.electricity.map((t) => t.channelId)).toEqual(['P-e', 'B-e', 'I-e']);
    expect(boundaryTerms([hm, em('P', 'heat_pump')], 'H3').assumptions).toHaveLength(1);
  });
});
