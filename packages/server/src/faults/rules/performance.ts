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
import type { ChannelData, Finding, HomeFacts, Rule } from './types.js';

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
    return {
      present: true,
      evidence: {
        summary:
          `On ${date} the heat meter recorded ${round(heat.kwh, 1)} kWh for ${round(electricity.kwh, 1)} kWh of ` +
          `electricity, a COP of ${round(cop)} (plausible ${lo}–${hi}): check the ` +
          `${cop < lo ? 'heat meter (air, flow sensor, pulse value)' : 'electricity meter covers the whole unit'}.`,
        channelId: (cop < lo ? meters.heat : meters.electricity).channelId,
        channelKey: cop < lo ? 'heat_energy' : 'electricity_energy',
        meterSerial: (cop < lo ? meters.heat : meters.electricity).meterSerial,
        from,
        to,
        values: {
          cop: round(cop),
          heatKwh: round(heat.kwh, 3),
          electricityKwh: round(electricity.kwh, 3),
          date,
        },
      },
    };
  },
};

export const lowPerformance: Rule = {
  id: 'low_performance',
  title: 'Low heat pump performance',
  description:
    'Over the last days the heat pump made clearly less heat per kWh than it should: a refrigerant ' +
    'leak, a fouled evaporator, a failing compressor or badly set controls. Running costs are up ' +
    'now; the cause needs an engineer.',
  severity: 'major',
  lookbackHours: 73,
  clearAfterMs: 6 * HOUR_MS,
  parameters: {
    windowHours: { default: 72, unit: 'h', description: 'rolling window of the SPF', min: 24, max: 72 },
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
    minElectricityKwh: {
      default: 15,
      unit: 'kWh',
      description: 'windows with less electricity (mild weather, hot water only) are too small to judge',
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
  evaluate({ at, home, params }): Finding | undefined {
    const meters = heatPumpRegisters(home);
    if (!meters) return undefined;
    const windowHours = params.windowHours ?? 72;
    const to = hourOf(at);
    const from = to - windowHours * HOUR_MS;
    const heat = energyOver(meters.heat, from, to);
    const electricity = energyOver(meters.electricity, from, to);
    const minHours = (windowHours * (params.minCoveragePercent ?? 80)) / 100;
    if (heat.hours < minHours || electricity.hours < minHours) return undefined;
    if (electricity.kwh < (params.minElectricityKwh ?? 15)) return { present: false };
    const spf = heat.kwh / electricity.kwh;
    const design = home.design.spf ?? home.design.scop;
    const fraction = params.minDesignFraction ?? 0.6;
    const floor = Math.max(params.minSpf ?? 2, design === undefined ? 0 : fraction * design);
    if (spf >= floor) return { present: false };
    return {
      present: true,
      evidence: {
        summary:
          `The heat pump's SPF over the last ${windowHours} h was ${round(spf)} ` +
          `(${round(heat.kwh, 1)} kWh heat for ${round(electricity.kwh, 1)} kWh electricity), below ${round(floor)}` +
          (design === undefined ? '' : ` (${round(fraction * 100, 0)} % of the design ${design})`) +
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
