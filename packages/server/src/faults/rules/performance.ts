/** Rules about how much heat the heat pump makes per unit of electricity. */
import { DateTime } from 'luxon';
import {
  byHour,
  completeHours,
  HOUR_MS,
  heatEnergy,
  heatPumpElectricity,
  hourOf,
  isHeatPump,
  isoHour,
  round,
  runsOf,
} from './common.js';
import { expectedFlowC } from './heat-pump.js';
import type { ChannelData, Finding, HomeFacts, HourBucket, Rule } from './types.js';

/** Σ delta and hours with readings of a register over [from, to). */
function energyOver(channel: ChannelData, from: number, to: number): { kwh: number; hours: number } {
  let kwh = 0;
  let hours = 0;
  for (const h of channel.hours) {
    if (h.hour < from || h.hour >= to) continue;
    kwh += h.delta;
    hours++;
  }
  return { kwh, hours };
}

/** The heat and heat pump electricity registers, or undefined when the rule cannot apply. */
export function heatPumpRegisters(
  home: HomeFacts,
): { heat: ChannelData; electricity: ChannelData } | undefined {
  if (!isHeatPump(home)) return undefined;
  const heat = heatEnergy(home);
  const electricity = heatPumpElectricity(home);
  return heat && electricity ? { heat, electricity } : undefined;
}

export const implausibleCop: Rule = {
  id: 'implausible_cop',
  title: 'Implausible daily COP',
  description:
    'Yesterday’s heat divided by the heat pump’s electricity is outside what any heat pump achieves: ' +
    'below 0.75 the heat meter is missing heat (air in it, a wrong pulse value, flow sensor fault); ' +
    'above 7.5 the electricity meter misses part of the unit (a phase, the outdoor unit on another ' +
    'circuit) or the heat meter over-reads. Performance figures are wrong until it is fixed.',
  severity: 'minor',
  lookbackHours: 50,
  clearAfterMs: HOUR_MS,
  parameters: {
    // Even with its backup heater alone a heat pump makes 1 kWh of heat per kWh (COP 1); standby and
    // pumps on a quiet day pull that down a little, hence 0.75.
    minCop: {
      default: 0.75,
      unit: 'COP',
      description: 'daily COP below this is implausible',
      min: 0,
      max: 3,
    },
    // EN 14511 ratings top out near 6 (A20/W35 air source, B10/W35 ground source); a whole day above
    // 7.5 is beyond published machines.
    maxCop: {
      default: 7.5,
      unit: 'COP',
      description: 'daily COP above this is implausible',
      min: 3,
      max: 20,
    },
    minElectricityKwh: {
      default: 2,
      unit: 'kWh',
      description: 'days with less heat pump electricity are too small to judge (standby days)',
      min: 0,
      max: 100,
    },
    maxHeatMismatch: {
      default: 1.5,
      unit: 'ratio',
      description:
        'the heat meter is named when its register and its own flow × ΔT disagree by more than this factor',
      min: 1.1,
      max: 10,
    },
    minHours: {
      default: 20,
      unit: 'h',
      description: 'hours of the day both meters must have readings in',
      min: 1,
      max: 24,
    },
  },
  evaluate({ at, home, params }) {
    const meters = heatPumpRegisters(home);
    if (!meters) return undefined;
    const today = DateTime.fromMillis(at, { zone: home.timeZone }).startOf('day');
    const from = today.minus({ days: 1 }).toMillis();
    const to = today.toMillis();
    const heat = energyOver(meters.heat, from, to);
    const electricity = energyOver(meters.electricity, from, to);
    const minHours = params.minHours ?? 20;
    if (heat.hours < minHours || electricity.hours < minHours) return undefined;
    // A standby day has no COP worth judging; it counts as absent so an old alarm can clear.
    if (electricity.kwh < (params.minElectricityKwh ?? 2)) return { present: false };
    const cop = heat.kwh / electricity.kwh;
    const lo = params.minCop ?? 0.75;
    const hi = params.maxCop ?? 7.5;
    if (cop >= lo && cop <= hi) return { present: false };
    const date = today.minus({ days: 1 }).toISODate();
    const check = heatMeterCheck(home, meters.heat, from, to);
    // Which meter: the heat meter's register against its own flow × ΔT × c_p (hours the pump ran
    // throughout); off by over `maxHeatMismatch` either way, the heat meter is wrong. If it agrees
    // with its water, the heat is real and the electricity meter is the one out (missing part of
    // the unit when the COP is too high, carrying other loads when too low). Without flow and
    // temperatures to check against, the figure cannot say which.
    const mismatch = params.maxHeatMismatch ?? 1.5;
    const suspect: 'heat' | 'electricity' | 'unknown' =
      check === undefined
        ? 'unknown'
        : check.ratio > mismatch || check.ratio < 1 / mismatch
          ? 'heat'
          : 'electricity';
    const meter = suspect === 'electricity' ? meters.electricity : meters.heat;
    const advice =
      suspect === 'heat'
        ? `the heat meter ${meters.heat.meterSerial} is at fault: its register recorded ${round((check as HeatCheck).ratio, 1)} × the heat its own flow rate and temperatures carried — check its pulse value, pipe size setting and flow sensor`
        : suspect === 'electricity'
          ? `the heat meter agrees with its flow and temperatures, so the electricity meter ${meters.electricity.meterSerial} is at fault: ${cop > hi ? 'check it covers the whole unit (every phase, the outdoor unit)' : 'check it carries the heat pump alone'}`
          : `it cannot tell which meter is at fault (no flow rate and temperatures to check the heat meter against): check the heat meter ${meters.heat.meterSerial} (pulse value, flow sensor) and that the electricity meter ${meters.electricity.meterSerial} covers the heat pump alone and whole`;
    return {
      present: true,
      since: from,
      evidence: {
        summary:
          `On ${date} the heat meter recorded ${round(heat.kwh, 1)} kWh for ${round(electricity.kwh, 1)} kWh of ` +
          `electricity, a COP of ${round(cop)} (plausible ${lo}–${hi}): ${advice}.`,
        channelId: meter.channelId,
        channelKey: suspect === 'electricity' ? 'electricity_energy' : 'heat_energy',
        meterSerial: meter.meterSerial,
        from,
        to,
        values: {
          cop: round(cop),
          heatKwh: round(heat.kwh, 3),
          electricityKwh: round(electricity.kwh, 3),
          suspectMeter: suspect,
          heatFromFlowKwh: check ? round(check.physicsKwh, 3) : null,
          heatMeterRatio: check ? round(check.ratio, 2) : null,
          date,
        },
      },
    };
  },
};

interface HeatCheck {
  /** heat meter register / heat from flow × ΔT × c_p, over the checked hours */
  ratio: number;
  physicsKwh: number;
  hours: number;
}

/**
 * The heat meter against its own water over [from, to): in hours the pump ran throughout (flow rate
 * never 0), the mean flow rate × mean (flow − return) × 4.186 kJ/(kg·K) is the heat carried (the
 * product of hourly means is exact enough when neither stops). Undefined without the channels or
 * with fewer than 2 such hours, or too little heat to compare.
 */
function heatMeterCheck(home: HomeFacts, heat: ChannelData, from: number, to: number): HeatCheck | undefined {
  const rate = home.channels.find((c) => c.key === 'flow_rate' && c.meterId === heat.meterId);
  const flow = byHour(home.channels.find((c) => c.key === 'flow_temperature' && c.meterId === heat.meterId));
  const ret = byHour(home.channels.find((c) => c.key === 'return_temperature' && c.meterId === heat.meterId));
  if (!rate) return undefined;
  const register = byHour(heat);
  let physicsKwh = 0;
  let meterKwh = 0;
  let hours = 0;
  for (const r of rate.hours) {
    if (r.hour < from || r.hour >= to || r.min <= 0) continue;
    const f = flow.get(r.hour);
    const b = ret.get(r.hour);
    const q = register.get(r.hour);
    if (!f || !b || !q) continue;
    const kw = (r.sum / r.count / 60) * 4.186 * (f.sum / f.count - b.sum / b.count);
    physicsKwh += kw;
    meterKwh += q.delta;
    hours++;
  }
  if (hours < 2 || physicsKwh < 1) return undefined;
  return { ratio: meterKwh / physicsKwh, physicsKwh, hours };
}

/** Days of the home's own history its low_performance baseline is learnt from. */
const BASELINE_DAYS = 21;

interface PerfHour {
  hour: number;
  heatKwh: number;
  electricityKwh: number;
  /** the ideal COP of the hour (flow and source temperatures), or undefined without them */
  carnot: number | undefined;
}

/**
 * The ideal COP between the condenser and the evaporator: (T_flow + 2 K) over the lift to
 * (T_source − 3 K), the lift at least 15 K — the simulator's and a textbook unit's approaches.
 * Air source: the source is the outdoor air; ground and water source: taken as 5 °C (UK ground
 * at 1–2 m after the loop's approach) — only the ratio to the home's own baseline matters.
 */
function idealCop(
  flowC: number,
  outdoorC: number | undefined,
  technology: string | null,
): number | undefined {
  const source = technology?.startsWith('air') ? outdoorC : 5;
  if (source === undefined) return undefined;
  const condensing = flowC + 2 + 273.15;
  return condensing / Math.max(15, flowC + 2 - (source - 3));
}

/** The bucket of `hour` in a channel's sorted hours, advancing a cursor (hours are asked in order). */
function seek(
  hours: readonly HourBucket[] | undefined,
  cursor: { i: number },
  hour: number,
): HourBucket | undefined {
  if (!hours) return undefined;
  while (cursor.i < hours.length && (hours[cursor.i] as HourBucket).hour < hour) cursor.i++;
  const h = hours[cursor.i];
  return h?.hour === hour ? h : undefined;
}

/**
 * Heat, electricity and the ideal COP hour by hour, where both registers have the hour. A merge
 * of the channels' sorted hours (weeks of them at every evaluation: no maps).
 */
function performanceHours(
  home: HomeFacts,
  meters: { heat: ChannelData; electricity: ChannelData },
): PerfHour[] {
  const flow = home.channels.find((c) => c.key === 'flow_temperature')?.hours;
  const outdoor = home.channels.find((c) => c.key === 'outdoor_temperature')?.hours;
  const cursors = { e: { i: 0 }, f: { i: 0 }, o: { i: 0 } };
  const designFlow = home.design.flowTemperatureC;
  const out: PerfHour[] = [];
  for (const h of meters.heat.hours) {
    const e = seek(meters.electricity.hours, cursors.e, h.hour);
    if (!e) continue;
    const f = seek(flow, cursors.f, h.hour);
    const o = seek(outdoor, cursors.o, h.hour);
    // An outdoor hour that never moved may be a stuck sensor: no weather then.
    const outdoorC = o && o.max > o.min ? o.sum / o.count : undefined;
    // The hour's highest flow: the running flow temperature (the mean drags in idle minutes, whose
    // share grows in mild weather and would read as lower efficiency; the model's healthy homes vary
    // ±5 % day to day this way against ±20 % with the mean).
    const flowC =
      f !== undefined
        ? f.max
        : designFlow !== undefined && outdoorC !== undefined
          ? expectedFlowC(outdoorC, designFlow, -3)
          : undefined;
    out.push({
      hour: h.hour,
      heatKwh: h.delta,
      electricityKwh: e.delta,
      carnot: flowC === undefined ? undefined : idealCop(flowC, outdoorC, home.technology),
    });
  }
  return out;
}

/**
 * Efficiency against the ideal over some hours: Σ heat / Σ(electricity × ideal COP), i.e. the
 * fraction of Carnot the unit reached, weighted as the energies are (the same over 24 h or 72 h).
 * Undefined when an hour with electricity lacks its ideal COP or there is too little electricity.
 */
function efficiencyOf(hours: readonly PerfHour[], minKwh: number): number | undefined {
  let heat = 0;
  let ideal = 0;
  let electricity = 0;
  for (const h of hours) {
    if (h.carnot === undefined) {
      if (h.electricityKwh > 0.2) return undefined;
      continue;
    }
    heat += h.heatKwh;
    ideal += h.electricityKwh * h.carnot;
    electricity += h.electricityKwh;
  }
  return electricity >= minKwh && ideal > 0 ? heat / ideal : undefined;
}

/**
 * The home's own efficiency when healthy: the median of its daily efficiencies (24-hour blocks)
 * over the BASELINE_DAYS before `before`, days with at least `minDayKwh` of electricity only; at
 * least 7 such days, else undefined. The median shrugs off a day or two of another fault.
 */
function baselineEfficiency(
  hours: readonly PerfHour[],
  before: number,
  minDayKwh: number,
): number | undefined {
  const blocks: PerfHour[][] = Array.from({ length: BASELINE_DAYS }, () => []);
  for (const h of hours) {
    const d = Math.floor((before - 1 - h.hour) / (24 * HOUR_MS));
    if (d >= 0 && d < BASELINE_DAYS) blocks[d]?.push(h);
  }
  const days: number[] = [];
  for (const block of blocks) {
    if (block.length < 20) continue;
    const eta = efficiencyOf(block, minDayKwh);
    if (eta !== undefined) days.push(eta);
  }
  if (days.length < 7) return undefined;
  days.sort((a, b) => a - b);
  const mid = days.length >> 1;
  return days.length % 2 ? (days[mid] as number) : ((days[mid - 1] as number) + (days[mid] as number)) / 2;
}

export const lowPerformance: Rule = {
  id: 'low_performance',
  title: 'Low heat pump performance',
  description:
    'Over the last days the heat pump made clearly less heat per kWh than it should — than it did ' +
    'itself in the weeks before at the same flow and outdoor temperatures, or than its design: a ' +
    'refrigerant leak, a fouled evaporator, a failing compressor or badly set controls. Running ' +
    'costs are up now; the cause needs an engineer.',
  severity: 'major',
  lookbackHours: 72 + BASELINE_DAYS * 24 + 1,
  clearAfterMs: 12 * HOUR_MS,
  parameters: {
    windowHours: {
      default: 72,
      unit: 'h',
      description: 'rolling window of the SPF judged against the design',
      min: 24,
      max: 72,
    },
    // Against its own baseline the weather is accounted for, so a shorter window is steady enough:
    // a 40 % loss is found once about half of it is degraded (within a day).
    baselineWindowHours: {
      default: 48,
      unit: 'h',
      description: 'rolling window of the efficiency judged against the home’s own baseline',
      min: 24,
      max: 72,
    },
    // The home against itself: its efficiency (heat per kWh over the ideal COP of the same flow and
    // outdoor temperatures) over the window against its median day of the 3 weeks before. The
    // model's healthy homes stay above 0.75 of their own baseline in any season (ground source in
    // early autumn is the lowest); a 40 % COP loss gives 0.6.
    minBaselineFraction: {
      default: 0.7,
      unit: 'fraction',
      description: 'efficiency below this fraction of the home’s own baseline is low',
      min: 0.1,
      max: 1,
    },
    holdBaselineFraction: {
      default: 0.8,
      unit: 'fraction',
      description: 'an active alarm holds while the efficiency stays below this fraction of the baseline',
      min: 0.1,
      max: 1,
    },
    // heatpumpmonitor.org: the poorest monitored systems sit near SPF 2; below it electric heating
    // with a little help. Catches a failing unit whatever its design.
    minSpf: {
      default: 2,
      unit: 'SPF',
      description: 'SPF below this is low whatever the design',
      min: 1,
      max: 5,
    },
    // The model's healthy homes never fall below 0.67 × design over 72 h in January cold snaps (an
    // air source unit designed for 50 °C flow: SPF 2.16 against 3.2); a unit with its COP cut by
    // 40 % (degraded_cop) sits at 0.5 × design. 0.6 splits them.
    minDesignFraction: {
      default: 0.6,
      unit: 'fraction',
      description: 'SPF below this fraction of the design SPF (or SCOP) is low',
      min: 0.1,
      max: 1,
    },
    holdMarginPercent: {
      default: 10,
      unit: '%',
      description: 'an active alarm raised on the design floor holds until the SPF is this much above it',
      min: 0,
      max: 100,
    },
    minElectricityKwh: {
      default: 15,
      unit: 'kWh',
      description:
        'windows with less electricity (mild weather, hot water only) are too small to judge (per 72 h; pro rata for the baseline window)',
      min: 1,
      max: 1000,
    },
    minCoveragePercent: {
      default: 80,
      unit: '%',
      description: 'share of the window’s hours both meters must have readings in',
      min: 10,
      max: 100,
    },
  },
  evaluate({ at, home, params, active }): Finding | undefined {
    const meters = heatPumpRegisters(home);
    if (!meters) return undefined;
    const windowHours = params.windowHours ?? 72;
    const to = hourOf(at);
    const from = to - windowHours * HOUR_MS;
    const heat = energyOver(meters.heat, from, to);
    const electricity = energyOver(meters.electricity, from, to);
    const coverage = (params.minCoveragePercent ?? 80) / 100;
    if (heat.hours < windowHours * coverage || electricity.hours < windowHours * coverage) return undefined;
    const minKwh = params.minElectricityKwh ?? 15;
    const spf = heat.kwh / electricity.kwh;
    const design = home.design.spf ?? home.design.scop;
    const fraction = params.minDesignFraction ?? 0.6;
    const floor = Math.max(params.minSpf ?? 2, design === undefined ? 0 : fraction * design);
    const holdFloor = floor * (1 + (params.holdMarginPercent ?? 10) / 100);
    const lowAgainstDesign = electricity.kwh >= minKwh && spf < (active ? holdFloor : floor);

    // The home's own baseline: learnt from the weeks before the window — or, while an alarm is
    // active, the one it was raised against (kept in its evidence), so the fault never becomes
    // the norm and the alarm can clear once the unit is repaired.
    const recentHours = params.baselineWindowHours ?? 48;
    const recentFrom = to - recentHours * HOUR_MS;
    const recentMinKwh = (minKwh * recentHours) / windowHours;
    const hours = performanceHours(home, meters);
    const kept = active?.evidence?.values.baselineEfficiency;
    const baseline =
      typeof kept === 'number'
        ? kept
        : // Days of hot water alone (little electricity, the highest flows) say little about heating.
          baselineEfficiency(hours, Math.min(recentFrom, active?.since ?? recentFrom), recentMinKwh / 2);
    const recent = hours.filter((h) => h.hour >= recentFrom && h.hour < to);
    const efficiency =
      baseline === undefined || recent.length < recentHours * coverage
        ? undefined
        : efficiencyOf(recent, recentMinKwh);
    const ratio = efficiency === undefined || baseline === undefined ? undefined : efficiency / baseline;
    const lowAgainstBaseline =
      ratio !== undefined &&
      ratio < (active ? (params.holdBaselineFraction ?? 0.8) : (params.minBaselineFraction ?? 0.7));
    if (!lowAgainstBaseline && !lowAgainstDesign) {
      // Too little electricity for either judgement (a mild spell): absent — but an active alarm
      // is not cleared by weather that cannot show the fault.
      if (active && electricity.kwh < minKwh && efficiency === undefined) return undefined;
      return { present: false };
    }

    // When it began: the earliest start (in 6-hour steps) from which the hours to now are low.
    let since = from;
    if (lowAgainstBaseline && baseline !== undefined) {
      since = recentFrom;
      const limit = params.minBaselineFraction ?? 0.7;
      for (let s = recentFrom; s < to - 12 * HOUR_MS; s += 6 * HOUR_MS) {
        const eta = efficiencyOf(
          recent.filter((h) => h.hour >= s),
          0.1,
        );
        if (eta !== undefined && eta / baseline < limit) {
          since = s;
          break;
        }
      }
    }
    const against = lowAgainstBaseline
      ? `and over the last ${recentHours} h it made ${round((ratio as number) * 100, 0)} % of the heat per kWh it made in the 3 weeks before at the same flow and outdoor temperatures`
      : `below ${round(floor)}` +
        (design === undefined ? '' : ` (${round(fraction * 100, 0)} % of the design ${design})`);
    return {
      present: true,
      since,
      evidence: {
        summary:
          `The heat pump's SPF over the last ${windowHours} h was ${round(spf)} ` +
          `(${round(heat.kwh, 1)} kWh heat for ${round(electricity.kwh, 1)} kWh electricity), ${against}` +
          ': have an engineer check refrigerant charge, evaporator and controls.',
        channelId: meters.electricity.channelId,
        channelKey: 'electricity_energy',
        meterSerial: meters.electricity.meterSerial,
        from,
        to,
        values: {
          spf: round(spf),
          thresholdSpf: round(floor),
          designSpf: design ?? null,
          baselineEfficiency: baseline === undefined ? null : round(baseline, 4),
          efficiency: efficiency === undefined ? null : round(efficiency, 4),
          baselineRatio: ratio === undefined ? null : round(ratio, 3),
          heatKwh: round(heat.kwh, 3),
          electricityKwh: round(electricity.kwh, 3),
        },
      },
    };
  },
};

export const noHeatWhileRunning: Rule = {
  id: 'no_heat_while_running',
  title: 'Running without heat',
  description:
    'The heat pump draws compressor-level electricity but the heat meter records (almost) no heat, hour ' +
    'after hour: no flow through the heat meter (air in the circuit, a closed valve, a failed pump) or a ' +
    'heat meter that stopped counting. Either heat is not reaching the house or it is not being measured.',
  severity: 'major',
  lookbackHours: 13,
  clearAfterMs: HOUR_MS,
  parameters: {
    // A compressor at minimum modulation (~35 % of a 5–8 kW unit at COP 3–4) draws ≥ 0.5 kWh an
    // hour; controls and pumps alone draw < 0.1 kWh.
    minElectricityKwh: {
      default: 0.5,
      unit: 'kWh/h',
      description: 'hourly electricity that means the compressor (or backup) ran',
      min: 0.05,
      max: 50,
    },
    // Even a resistive backup heater gives COP 1; well below half of that is heat going unmetered.
    maxApparentCop: {
      default: 0.3,
      unit: 'COP',
      description: 'hourly heat / electricity below this counts as no heat',
      min: 0,
      max: 1,
    },
    minHours: {
      default: 3,
      unit: 'h',
      description: 'consecutive such hours before the fault is present',
      min: 1,
      max: 12,
    },
  },
  evaluate({ at, home, params }) {
    const meters = heatPumpRegisters(home);
    if (!meters) return undefined;
    const heatHours = byHour(meters.heat);
    const minKwh = params.minElectricityKwh ?? 0.5;
    const maxCop = params.maxApparentCop ?? 0.3;
    const minHours = params.minHours ?? 3;
    const joined = completeHours(meters.electricity, at).flatMap((e) => {
      const h = heatHours.get(e.hour);
      return h ? [{ hour: e.hour, electricityKwh: e.delta, heatKwh: h.delta }] : [];
    });
    if (joined.length === 0) return undefined;
    const runs = runsOf(joined, (h) => h.electricityKwh >= minKwh && h.heatKwh < maxCop * h.electricityKwh);
    const run = runs[runs.length - 1];
    const last = joined[joined.length - 1];
    // Only a run reaching the newest complete hour is the present condition.
    if (!run || !last || run[run.length - 1]?.hour !== last.hour || run.length < minHours)
      return { present: false };
    const electricity = run.reduce((s, h) => s + h.electricityKwh, 0);
    const heat = run.reduce((s, h) => s + h.heatKwh, 0);
    const first = run[0] as (typeof run)[number];
    return {
      present: true,
      evidence: {
        summary:
          `For ${run.length} hours since ${isoHour(first.hour)} the heat pump drew ${round(electricity, 1)} kWh ` +
          `but the heat meter recorded ${round(heat, 2)} kWh of heat: check for air in the circuit, ` +
          'flow through the heat meter and the heat meter itself.',
        channelId: meters.heat.channelId,
        channelKey: 'heat_energy',
        meterSerial: meters.heat.meterSerial,
        from: first.hour,
        to: last.hour + HOUR_MS,
        values: { hours: run.length, electricityKwh: round(electricity, 3), heatKwh: round(heat, 3) },
      },
    };
  },
};
