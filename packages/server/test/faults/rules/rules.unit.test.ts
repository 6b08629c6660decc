/** Each rule against hand-built facts: present, absent, not applicable, and overrides honoured. */
import { describe, expect, it } from 'vitest';
import { resolveParams, ruleById } from '../../../src/faults/rules/index.js';
import type { Finding, HomeFacts, Rule } from '../../../src/faults/rules/types.js';
import { channel, facts, HOUR, level, levels, power, register, T0 } from './facts.js';

const MIN = 60_000;

function rule(id: string): Rule {
  const r = ruleById(id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

function judge(
  id: string,
  at: number,
  home: HomeFacts,
  overrides: Record<string, number> = {},
): Finding | undefined {
  const r = rule(id);
  return r.evaluate({ at, home, params: resolveParams(r, overrides) });
}

const repeat = (n: number, v: number) => Array.from({ length: n }, () => v);

describe('communication_lost', () => {
  const at = T0 + 10 * HOUR;
  const heatMeter = (lastT: number | null, expectedFrom = T0 - 30 * 24 * HOUR) => [
    channel('heat_energy', [], { lastT, expectedFrom }),
    channel('flow_temperature', [], { lastT, expectedFrom }),
  ];

  it('is absent while readings arrive', () => {
    expect(judge('communication_lost', at, facts(heatMeter(at - MIN)))).toEqual({ present: false });
  });

  it('is a warning after 3 intervals and major after 12, naming the meter and the silence', () => {
    const late = judge('communication_lost', at, facts(heatMeter(at - 5 * MIN)));
    expect(late?.present).toBe(true);
    expect(late?.severity).toBe('warning');
    expect(late?.evidence?.meterSerial).toBe('HM-1');
    expect(late?.evidence?.values.silenceSeconds).toBe(300);
    expect(late?.evidence?.summary).toContain('HM-1');
    expect(late?.evidence?.summary).toContain('5 min');
    const lost = judge('communication_lost', at, facts(heatMeter(at - 20 * MIN)));
    expect(lost?.severity).toBe('major');
    expect(lost?.evidence).toMatchObject({ from: at - 20 * MIN, to: at });
  });

  it('takes a meter as reporting when any of its channels is', () => {
    const channels = [
      channel('heat_energy', [], { lastT: at - 30 * MIN }),
      channel('flow_temperature', [], { lastT: at - MIN }),
    ];
    expect(judge('communication_lost', at, facts(channels))?.present).toBe(false);
  });

  it('counts a meter that never reported as lost once its home is older than the threshold', () => {
    const f = judge('communication_lost', at, facts(heatMeter(null, at - HOUR)));
    expect(f).toMatchObject({ present: true, severity: 'major' });
    expect(f?.evidence?.summary).toContain('never sent');
  });

  it('cannot judge a meter commissioned moments ago', () => {
    expect(judge('communication_lost', at, facts(heatMeter(null, at - MIN)))).toBeUndefined();
    expect(judge('communication_lost', at, facts([]))).toBeUndefined();
  });

  it('honours lateIntervals and lostIntervals', () => {
    expect(
      judge('communication_lost', at, facts(heatMeter(at - 5 * MIN)), {
        'communication_lost.lateIntervals': 10,
      })?.present,
    ).toBe(false);
    expect(
      judge('communication_lost', at, facts(heatMeter(at - 5 * MIN)), {
        'communication_lost.lostIntervals': 4,
      })?.severity,
    ).toBe('major');
  });
});

describe('data_gaps', () => {
  const at = T0 + 24 * HOUR + 10 * MIN;
  const meter = (hours: number, count: number) =>
    facts([channel('heat_energy', register(T0 + (24 - hours) * HOUR, 100, repeat(hours, 1), count))]);

  it('is absent when every reporting hour is complete', () => {
    expect(judge('data_gaps', at, meter(24, 60))).toEqual({ present: false });
  });

  it('is present below 90 % of expected readings, with the completeness', () => {
    const f = judge('data_gaps', at, meter(24, 50));
    expect(f?.present).toBe(true);
    expect(f?.evidence?.values.completenessPercent).toBe(83.3);
    expect(f?.evidence?.meterSerial).toBe('HM-1');
  });

  it('leaves hours without any reading to communication_lost', () => {
    expect(judge('data_gaps', at, meter(10, 60))?.present).toBe(false);
  });

  it('cannot judge fewer than 6 reporting hours', () => {
    expect(judge('data_gaps', at, meter(3, 30))).toBeUndefined();
  });

  it('honours minCompletenessPercent', () => {
    expect(judge('data_gaps', at, meter(24, 50), { 'data_gaps.minCompletenessPercent': 80 })?.present).toBe(
      false,
    );
  });
});

describe('register_fall', () => {
  const at = T0 + 10 * HOUR + 5 * MIN;
  const rising = register(T0, 1000, repeat(10, 2));

  it('is absent while registers only rise', () => {
    expect(judge('register_fall', at, facts([channel('heat_energy', rising)]))).toEqual({ present: false });
  });

  it('finds a fall across hours with the values before and after', () => {
    const hours = [...rising.slice(0, 5), ...register(T0 + 5 * HOUR, 950, repeat(5, 2))];
    const f = judge('register_fall', at, facts([channel('heat_energy', hours)]));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({ channelKey: 'heat_energy', meterSerial: 'HM-1' });
    expect(f?.evidence?.values).toMatchObject({ before: 1010, after: 950, fall: 60 });
    expect(f?.evidence?.to).toBe(T0 + 5 * HOUR);
  });

  it('finds a fall within an hour (a reset to 0)', () => {
    const hours = rising.map((h, i) => (i === 7 ? { ...h, min: 0, lastV: 1.5 } : h));
    const f = judge('register_fall', at, facts([channel('electricity_energy', hours)]));
    expect(f?.present).toBe(true);
    expect(f?.evidence?.channelKey).toBe('electricity_energy');
    expect(f?.evidence?.values.after).toBe(0);
  });

  it('forgets a fall after holdHours, and ignores falls within the tolerance', () => {
    const hours = [...rising.slice(0, 5), ...register(T0 + 5 * HOUR, 1009.5, repeat(5, 2))];
    expect(judge('register_fall', at, facts([channel('heat_energy', hours)]))?.present).toBe(true);
    expect(
      judge('register_fall', at, facts([channel('heat_energy', hours)]), { 'register_fall.tolerance': 1 })
        ?.present,
    ).toBe(false);
    expect(judge('register_fall', at + 30 * HOUR, facts([channel('heat_energy', hours)]))?.present).toBe(
      false,
    );
  });

  it('cannot judge a home without registers', () => {
    expect(
      judge('register_fall', at, facts([channel('indoor_temperature', levels(T0, [20]))])),
    ).toBeUndefined();
  });
});

describe('value_out_of_range', () => {
  const at = T0 + 5 * HOUR + 5 * MIN;
  const flow = (last: number) => channel('flow_temperature', levels(T0, [40, 40, 40, 40, 40, last]));

  it('is absent for plausible temperatures', () => {
    expect(judge('value_out_of_range', at, facts([flow(40)]))).toEqual({ present: false });
  });

  it('gives the offending channel, value and hour', () => {
    const f = judge('value_out_of_range', at, facts([flow(95)]));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({
      channelKey: 'flow_temperature',
      values: { maxC: 95.2, highLimitC: 90 },
    });
    const cold = judge(
      'value_out_of_range',
      at,
      facts([channel('outdoor_temperature', levels(at - 5 * MIN, [-40]))]),
    );
    expect(cold?.evidence).toMatchObject({ channelKey: 'outdoor_temperature', values: { minC: -40.2 } });
  });

  it('honours the limits', () => {
    expect(
      judge('value_out_of_range', at, facts([flow(95)]), { 'value_out_of_range.waterMaxC': 100 })?.present,
    ).toBe(false);
  });

  it('cannot judge a home without temperatures', () => {
    expect(
      judge('value_out_of_range', at, facts([channel('heat_energy', register(T0, 1, [1]))])),
    ).toBeUndefined();
  });
});

describe('stuck_sensor', () => {
  const at = T0 + 7 * HOUR + 5 * MIN;

  it('is present when a temperature has not changed over 6 hours of readings', () => {
    const f = judge(
      'stuck_sensor',
      at,
      facts([channel('outdoor_temperature', levels(T0, repeat(8, 4.3), 0))]),
    );
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({ channelKey: 'outdoor_temperature', values: { valueC: 4.3 } });
  });

  it('is absent when the value moves by a resolution step', () => {
    expect(
      judge('stuck_sensor', at, facts([channel('outdoor_temperature', levels(T0, repeat(8, 4.3), 0.1))]))
        ?.present,
    ).toBe(false);
  });

  it('does not take silence for a stuck value, and ignores power and flow rate', () => {
    const gappy = levels(T0, repeat(8, 4.3), 0).filter((_, i) => i !== 4);
    expect(judge('stuck_sensor', at, facts([channel('outdoor_temperature', gappy)]))).toBeUndefined();
    expect(
      judge('stuck_sensor', at, facts([channel('flow_rate', levels(T0, repeat(8, 0), 0))])),
    ).toBeUndefined();
  });

  it('honours windowHours and toleranceC', () => {
    const still = facts([channel('outdoor_temperature', levels(T0, repeat(8, 4.3), 0.1))]);
    expect(judge('stuck_sensor', at, still, { 'stuck_sensor.toleranceC': 0.2 })?.present).toBe(true);
    expect(judge('stuck_sensor', at, still, { 'stuck_sensor.windowHours': 12 })).toBeUndefined();
  });
});

describe('implausible_cop', () => {
  const at = T0 + 26 * HOUR;
  const day = (heat: number, electricity: number, hours = 24, technology = 'air_source_heat_pump') =>
    facts(
      [
        channel('heat_energy', register(T0, 100, repeat(hours, heat))),
        channel('electricity_energy', register(T0, 100, repeat(hours, electricity))),
      ],
      { technology },
    );

  it('is absent for a plausible day', () => {
    expect(judge('implausible_cop', at, day(1, 0.3))).toEqual({ present: false });
  });

  // Replaces 'names the heat meter below 0.75 and the electricity meter above 7.5' (issue #17): the
  // COP alone cannot say which meter is wrong; the heat meter's own flow × ΔT can.
  it('is present below 0.75 and above 7.5; without the heat meter’s flow and temperatures it says it cannot tell which meter', () => {
    const low = judge('implausible_cop', at, day(0.1, 0.3));
    expect(low?.present).toBe(true);
    expect(low?.evidence).toMatchObject({ channelKey: 'heat_energy', from: T0, to: T0 + 24 * HOUR });
    expect(low?.evidence?.values).toMatchObject({ cop: 0.33, date: '2026-01-10', suspectMeter: 'unknown' });
    expect(low?.evidence?.summary).toMatch(/cannot tell which meter/);
    const high = judge('implausible_cop', at, day(2.5, 0.3));
    expect(high?.present).toBe(true);
    expect(high?.evidence?.values.suspectMeter).toBe('unknown');
  });

  it('names the meter whose reading disagrees with the water: the heat meter against its own flow × ΔT', () => {
    // 2.5 kWh an hour for 0.3 kWh (COP 8.3); the water carries 7.17 l/min × 5 K × 4.186 = 2.5 kW
    // (the heat is real: the electricity meter misses part of the unit) or a tenth of it (the heat
    // meter over-reads 10×).
    const withWater = (litresPerMinute: number) =>
      facts(
        [
          channel('heat_energy', register(T0, 100, repeat(24, 2.5))),
          channel('flow_temperature', levels(T0, repeat(24, 40))),
          channel('return_temperature', levels(T0, repeat(24, 35))),
          channel('flow_rate', levels(T0, repeat(24, litresPerMinute))),
          channel('electricity_energy', register(T0, 100, repeat(24, 0.3))),
        ],
        { technology: 'air_source_heat_pump' },
      );
    const electricity = judge('implausible_cop', at, withWater(7.17));
    expect(electricity?.evidence).toMatchObject({ channelKey: 'electricity_energy', meterSerial: 'EM-1' });
    expect(electricity?.evidence?.values.suspectMeter).toBe('electricity');
    expect(electricity?.evidence?.summary).toMatch(/electricity meter EM-1 is at fault/);
    const heat = judge('implausible_cop', at, withWater(0.717));
    expect(heat?.evidence).toMatchObject({ channelKey: 'heat_energy', meterSerial: 'HM-1' });
    expect(heat?.evidence?.values).toMatchObject({ suspectMeter: 'heat', heatMeterRatio: 10 });
    expect(heat?.evidence?.summary).toMatch(/heat meter HM-1 is at fault/);
  });

  it('does not judge a standby day, an incomplete day or a gas boiler', () => {
    expect(judge('implausible_cop', at, day(0, 0.05))).toEqual({ present: false });
    expect(judge('implausible_cop', at, day(0.1, 0.3, 10))).toBeUndefined();
    expect(judge('implausible_cop', at, day(0.1, 0.3, 24, 'gas_boiler'))).toBeUndefined();
  });

  it('honours minCop', () => {
    expect(judge('implausible_cop', at, day(0.1, 0.3), { 'implausible_cop.minCop': 0.2 })?.present).toBe(
      false,
    );
  });
});

describe('low_performance', () => {
  const at = T0 + 72 * HOUR + 30 * MIN;
  const window = (
    heat: number,
    electricity: number,
    design: HomeFacts['design'] = { spf: 3.2 },
    technology = 'air_source_heat_pump',
  ) =>
    facts(
      [
        channel('heat_energy', register(T0, 100, repeat(72, heat))),
        channel('electricity_energy', register(T0, 100, repeat(72, electricity))),
      ],
      { design, technology },
    );

  it('is absent for a healthy SPF', () => {
    expect(judge('low_performance', at, window(1.5, 0.5))).toEqual({ present: false });
  });

  it('is present below max(2, 0.6 × design), with the SPF and threshold', () => {
    const f = judge('low_performance', at, window(0.9, 0.5));
    expect(f?.present).toBe(true);
    expect(f?.evidence?.values).toMatchObject({ spf: 1.8, thresholdSpf: 2, designSpf: 3.2 });
    // A ground source design of 3.8 sets the bar at 2.28.
    expect(judge('low_performance', at, window(1.1, 0.5, { spf: 3.8 }))?.present).toBe(true);
    expect(judge('low_performance', at, window(1.1, 0.5, { scop: 3.8 }))?.present).toBe(true);
    expect(judge('low_performance', at, window(1.1, 0.5, {}))?.present).toBe(false);
  });

  it('does not judge a quiet window, a short one or a gas boiler', () => {
    expect(judge('low_performance', at, window(0.1, 0.1))).toEqual({ present: false });
    expect(judge('low_performance', at + 48 * HOUR, window(0.9, 0.5))).toBeUndefined();
    expect(judge('low_performance', at, window(0.9, 0.5, {}, 'gas_boiler'))).toBeUndefined();
  });

  it('honours minSpf and minDesignFraction', () => {
    const overrides = { 'low_performance.minSpf': 1.5, 'low_performance.minDesignFraction': 0.5 };
    expect(judge('low_performance', at, window(0.9, 0.5), overrides)?.present).toBe(false);
  });
});

describe('no_heat_while_running', () => {
  const at = T0 + 6 * HOUR + 5 * MIN;
  const home = (heat: number[], electricity: number[], technology = 'air_source_heat_pump') =>
    facts(
      [
        channel('heat_energy', register(T0, 100, heat)),
        channel('electricity_energy', register(T0, 100, electricity)),
      ],
      { technology },
    );

  it('is present after 3 hours of electricity without heat', () => {
    const f = judge('no_heat_while_running', at, home([3, 3, 0, 0, 0.05, 0], [1, 1, 1, 1, 1.2, 1]));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({ channelKey: 'heat_energy', from: T0 + 2 * HOUR, to: T0 + 6 * HOUR });
    expect(f?.evidence?.values.hours).toBe(4);
  });

  it('is absent while heat is metered or for a shorter spell, and while the unit idles', () => {
    expect(judge('no_heat_while_running', at, home(repeat(6, 3), repeat(6, 1)))?.present).toBe(false);
    expect(judge('no_heat_while_running', at, home([3, 3, 3, 3, 0, 0], repeat(6, 1)))?.present).toBe(false);
    expect(judge('no_heat_while_running', at, home(repeat(6, 0), repeat(6, 0.06)))?.present).toBe(false);
  });

  it('honours minHours', () => {
    expect(
      judge('no_heat_while_running', at, home([3, 3, 3, 3, 0, 0], repeat(6, 1)), {
        'no_heat_while_running.minHours': 2,
      })?.present,
    ).toBe(true);
  });

  it('does not apply to a gas boiler or without a heat meter', () => {
    expect(
      judge('no_heat_while_running', at, home(repeat(6, 0), repeat(6, 1), 'gas_boiler')),
    ).toBeUndefined();
    expect(
      judge(
        'no_heat_while_running',
        at,
        facts([channel('electricity_energy', register(T0, 1, repeat(6, 1)))]),
      ),
    ).toBeUndefined();
  });
});

describe('short_cycling', () => {
  const at = T0 + 6 * HOUR + 5 * MIN;

  it('is present above 4 starts an hour over 6 hours', () => {
    const f = judge('short_cycling', at, facts([channel('electricity_power', power(T0, repeat(6, 8)))]));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({
      channelKey: 'electricity_power',
      values: { starts: 48, startsPerHour: 8, runningHours: 3 },
    });
  });

  it('is absent for healthy cycling, and honours maxStartsPerHour', () => {
    expect(
      judge('short_cycling', at, facts([channel('electricity_power', power(T0, repeat(6, 2)))]))?.present,
    ).toBe(false);
    expect(
      judge('short_cycling', at, facts([channel('electricity_power', power(T0, repeat(6, 8)))]), {
        'short_cycling.maxStartsPerHour': 10,
      })?.present,
    ).toBe(false);
  });

  it('does not apply to a gas boiler or without a power channel', () => {
    expect(
      judge(
        'short_cycling',
        at,
        facts([channel('electricity_power', power(T0, repeat(6, 8)))], { technology: 'gas_boiler' }),
      ),
    ).toBeUndefined();
    expect(
      judge('short_cycling', at, facts([channel('electricity_energy', register(T0, 1, repeat(6, 1)))])),
    ).toBeUndefined();
  });
});

describe('backup_heater_running', () => {
  const at = T0 + 6 * HOUR + 5 * MIN;
  const home = (heat: number[], electricity: number[], outdoorC: number, measures = 'heat_pump_and_backup') =>
    facts([
      channel('heat_energy', register(T0, 100, heat)),
      channel('electricity_energy', register(T0, 100, electricity), { measures }),
      channel('outdoor_temperature', levels(T0, repeat(heat.length, outdoorC))),
    ]);

  it('is present for hours of COP near 1 in mild weather', () => {
    const f = judge(
      'backup_heater_running',
      at,
      home([3, 3, 3.3, 3.3, 3.3, 3.3], [1, 1, 3.2, 3.2, 3.2, 3.2], 8),
    );
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({
      channelKey: 'electricity_energy',
      from: T0 + 2 * HOUR,
      values: { hours: 4, apparentCop: 1.03 },
    });
  });

  it('is absent for a short legionella cycle, a healthy COP or in the cold where backup is legitimate', () => {
    expect(
      judge('backup_heater_running', at, home([3, 3, 3, 3, 3.3, 3.3], [1, 1, 1, 1, 3.2, 3.2], 8))?.present,
    ).toBe(false);
    expect(judge('backup_heater_running', at, home(repeat(6, 3), repeat(6, 1), 8))?.present).toBe(false);
    expect(judge('backup_heater_running', at, home(repeat(6, 3.3), repeat(6, 3.2), -3))?.present).toBe(false);
  });

  it('honours minOutdoorC', () => {
    expect(
      judge('backup_heater_running', at, home(repeat(6, 3.3), repeat(6, 3.2), -3), {
        'backup_heater_running.minOutdoorC': -10,
      })?.present,
    ).toBe(true);
  });

  it('uses a backup heater meter directly', () => {
    const f = judge(
      'backup_heater_running',
      at,
      facts([
        channel('electricity_energy', register(T0, 100, repeat(6, 1)), { measures: 'heat_pump' }),
        channel('electricity_energy', register(T0, 100, repeat(6, 3)), {
          measures: 'immersion_heater',
          meterId: 'EM-2',
          meterSerial: 'EM-2',
          channelId: 'EM-2:electricity_energy',
        }),
      ]),
    );
    expect(f?.present).toBe(true);
    expect(f?.evidence?.meterSerial).toBe('EM-2');
  });

  it('cannot see a backup heater its meters do not cover, and does not apply to a gas boiler', () => {
    expect(
      judge('backup_heater_running', at, home(repeat(6, 3.3), repeat(6, 3.2), 8, 'heat_pump')),
    ).toBeUndefined();
    expect(
      judge('backup_heater_running', at, {
        ...home(repeat(6, 3.3), repeat(6, 3.2), 8),
        technology: 'gas_boiler',
      }),
    ).toBeUndefined();
  });
});

describe('high_flow_temperature', () => {
  const at = T0 + 12 * HOUR + 5 * MIN;
  // At 5 °C outdoors the design curve (25 °C at 15 °C, 45 °C at −3 °C) asks for 36.1 °C.
  const home = (
    flows: number[],
    withOutdoor = true,
    design: HomeFacts['design'] = { flowTemperatureC: 45 },
  ) =>
    facts(
      [
        channel('heat_energy', register(T0, 100, repeat(flows.length, 2))),
        channel('flow_temperature', levels(T0, flows)),
        ...(withOutdoor ? [channel('outdoor_temperature', levels(T0, repeat(flows.length, 5)))] : []),
      ],
      { design },
    );

  it('is present when most heating hours run well above the curve', () => {
    const f = judge('high_flow_temperature', at, home(repeat(12, 48)));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({
      channelKey: 'flow_temperature',
      values: { highHours: 8, meanFlowTemperatureC: 48, expectedFlowTemperatureC: 36.1 },
    });
  });

  it('is absent on the curve, or for a few hot (hot water) hours', () => {
    expect(judge('high_flow_temperature', at, home(repeat(12, 38)))?.present).toBe(false);
    expect(judge('high_flow_temperature', at, home([...repeat(4, 38), ...repeat(4, 48)]))?.present).toBe(
      false,
    );
  });

  it('judges only steady hours: hot-water reheats, starts and cycling swing widely and are left out', () => {
    const swinging = (flows: number[], spread: number) =>
      facts(
        [
          channel('heat_energy', register(T0, 100, repeat(flows.length, 2))),
          channel('flow_temperature', levels(T0, flows, spread)),
          channel('outdoor_temperature', levels(T0, repeat(flows.length, 5))),
        ],
        { design: { flowTemperatureC: 45 } },
      );
    // 12 hours whose mean is lifted by a reheat to 55 °C (span 25 K): not judged, and since the
    // heating ran without one steady hour the condition is absent rather than unknown.
    expect(judge('high_flow_temperature', at, swinging(repeat(12, 48), 12.5))?.present).toBe(false);
    // The same hours steady: present.
    expect(judge('high_flow_temperature', at, swinging(repeat(12, 48), 2))?.present).toBe(true);
  });

  it('compares with the design flow temperature itself without an outdoor sensor', () => {
    expect(judge('high_flow_temperature', at, home(repeat(12, 46), false))?.present).toBe(false);
    expect(judge('high_flow_temperature', at, home(repeat(12, 56), false))?.present).toBe(true);
  });

  it('honours minHighPercent', () => {
    expect(
      judge('high_flow_temperature', at, home([...repeat(4, 38), ...repeat(4, 48)]), {
        'high_flow_temperature.minHighPercent': 50,
      })?.present,
    ).toBe(true);
  });

  it('cannot judge without a design flow temperature or enough heating hours', () => {
    expect(judge('high_flow_temperature', at, home(repeat(12, 46), true, {}))).toBeUndefined();
    expect(judge('high_flow_temperature', at, home(repeat(3, 48)))).toBeUndefined();
  });
});

describe('low_indoor_temperature', () => {
  const at = T0 + 8 * HOUR + 5 * MIN;
  const home = (indoor: number[], outdoorC?: number) =>
    facts([
      channel('indoor_temperature', levels(T0, indoor)),
      ...(outdoorC === undefined
        ? []
        : [channel('outdoor_temperature', levels(T0, repeat(indoor.length, outdoorC)))]),
    ]);

  it('is present after 6 cold hours while heating is needed', () => {
    const f = judge('low_indoor_temperature', at, home([19, 15, 15, 15, 15, 15, 15, 14.5], 3));
    expect(f?.present).toBe(true);
    expect(f?.evidence).toMatchObject({
      channelKey: 'indoor_temperature',
      from: T0 + HOUR,
      values: { hours: 7, minIndoorC: 14.3 },
    });
    expect(judge('low_indoor_temperature', at, home(repeat(8, 15)))?.present).toBe(true);
  });

  it('is absent for a setback night, a short dip, or warm weather', () => {
    expect(judge('low_indoor_temperature', at, home(repeat(8, 18), 3))?.present).toBe(false);
    expect(judge('low_indoor_temperature', at, home([19, 19, 19, 19, 15, 15, 15, 15], 3))?.present).toBe(
      false,
    );
    expect(judge('low_indoor_temperature', at, home(repeat(8, 15), 18))?.present).toBe(false);
  });

  it('honours minIndoorC', () => {
    expect(
      judge('low_indoor_temperature', at, home(repeat(8, 15), 3), { 'low_indoor_temperature.minIndoorC': 14 })
        ?.present,
    ).toBe(false);
  });

  it('cannot judge without an indoor sensor', () => {
    expect(
      judge('low_indoor_temperature', at, facts([channel('outdoor_temperature', levels(T0, [3]))])),
    ).toBeUndefined();
  });
});

describe('hand-built buckets', () => {
  it('level spreads around its mean', () => {
    expect(level(T0, 20, 0.5)).toMatchObject({ min: 19.5, max: 20.5, sum: 1200 });
  });
});

describe('data_gaps on a sparse meter', () => {
  it('does not judge a meter reading less than twice an hour', () => {
    const at = T0 + 24 * HOUR + 10 * MIN;
    const sparse = channel('heat_energy', register(T0, 100, repeat(24, 1), 1), { intervalSeconds: 3600 });
    expect(judge('data_gaps', at, facts([sparse]))).toBeUndefined();
  });
});
