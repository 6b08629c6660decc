/** Rules about how the heat pump runs: cycling, its backup heater and its flow temperature. */
import {
  BACKUP_CIRCUITS,
  byHour,
  completeHours,
  HOUR_MS,
  heatEnergy,
  heatPumpElectricity,
  hourOf,
  isHeatPump,
  isoHour,
  mean,
  round,
  runsOf,
  temperatureChannel,
} from './common.js';
import type { ChannelData, Finding, HomeFacts, HourBucket, Rule } from './types.js';

/** Mean outdoor temperature over some hours, or undefined without an outdoor sensor or its readings. */
function outdoorMeanC(home: HomeFacts, hours: readonly number[]): number | undefined {
  const outdoor = byHour(temperatureChannel(home, 'outdoor_temperature'));
  let sum = 0;
  let count = 0;
  for (const hour of hours) {
    const h = outdoor.get(hour);
    if (!h) continue;
    sum += h.sum;
    count += h.count;
  }
  return count > 0 ? sum / count : undefined;
}

export const shortCycling: Rule = {
  id: 'short_cycling',
  title: 'Short cycling',
  description:
    'The compressor starts and stops many times an hour: it is oversized for the load, its minimum ' +
    'run or rest times are set wrong, the system volume is too small or a controller fights it. Every ' +
    'start wears the compressor and costs efficiency.',
  severity: 'minor',
  lookbackHours: 7,
  clearAfterMs: 3 * HOUR_MS,
  parameters: {
    // Manufacturers cap compressor starts at about 3 an hour (e.g. 6-minute minimum run and rest
    // timers on Vaillant, Mitsubishi); the model keeps a healthy unit under ~2. Short cycling
    // units in heatpumpmonitor.org data run 6–12 starts an hour.
    maxStartsPerHour: {
      default: 4,
      unit: 'starts/h',
      description: 'mean compressor starts per hour over the window above which the fault is present',
      min: 1,
      max: 60,
    },
    windowHours: {
      default: 6,
      unit: 'h',
      description: 'complete hours the starts are averaged over',
      min: 1,
      max: 6,
    },
  },
  evaluate({ at, home, params }) {
    if (!isHeatPump(home)) return undefined;
    const power = heatPumpElectricity(home, 'electricity_power');
    if (!power) return undefined;
    const windowHours = params.windowHours ?? 6;
    const from = hourOf(at) - windowHours * HOUR_MS;
    const hours = completeHours(power, at).filter((h) => h.hour >= from && h.starts !== undefined);
    // Most of the window must be there: a patchy hour count would make the rate meaningless.
    if (hours.length < Math.ceil(windowHours * 0.8)) return undefined;
    const starts = hours.reduce((s, h) => s + (h.starts ?? 0), 0);
    const running = hours.reduce((s, h) => s + (h.above ?? 0), 0) * (power.intervalSeconds / 3600);
    const rate = starts / hours.length;
    const limit = params.maxStartsPerHour ?? 4;
    if (rate <= limit) return { present: false };
    const first = hours[0] as HourBucket;
    const last = hours[hours.length - 1] as HourBucket;
    return {
      present: true,
      evidence: {
        summary:
          `The compressor started ${starts} times in ${hours.length} h (${round(rate, 1)} an hour, limit ${limit}) ` +
          `and ran ${round(running, 1)} h of them: check minimum run/rest times, system volume and the ` +
          'heat pump’s sizing against the load.',
        channelId: power.channelId,
        channelKey: power.key,
        meterSerial: power.meterSerial,
        from: first.hour,
        to: last.hour + HOUR_MS,
        values: {
          starts,
          hours: hours.length,
          startsPerHour: round(rate, 2),
          runningHours: round(running, 2),
          startsPerRunningHour: running > 0 ? round(starts / running, 2) : null,
        },
      },
    };
  },
};

interface BackupHour {
  hour: number;
  electricityKwh: number;
  heatKwh: number | null;
}

export const backupHeaterRunning: Rule = {
  id: 'backup_heater_running',
  title: 'Backup heater running',
  description:
    'The backup or immersion heater has run for hours while the heat pump should cover the load: ' +
    'a stuck relay or contactor, a wrong controller setting, or a heat pump that has stopped and left ' +
    'the heater to it. Direct electric heat costs three times what the heat pump’s does. Judged from ' +
    'a backup/immersion electricity meter when there is one, else from the hourly COP of a meter ' +
    'that includes the backup heater (heat_pump_and_backup).',
  severity: 'major',
  lookbackHours: 13,
  clearAfterMs: 2 * HOUR_MS,
  parameters: {
    // The heat pump alone never falls below ~1.8 even at −10 °C (EN 14511 A−7/W55 ≈ 2.2); with its
    // backup filling in at design conditions the model still shows ≥ 1.7. Near 1 is the heater alone.
    maxApparentCop: {
      default: 1.4,
      unit: 'COP',
      description: 'hourly heat / electricity below this means the heater, not the compressor, made the heat',
      min: 0.5,
      max: 3,
    },
    // A 3 kW element running most of an hour; the compressor at low load draws less.
    minElectricityKwh: {
      default: 1,
      unit: 'kWh/h',
      description: 'hourly electricity (or backup electricity) that counts as the heater running',
      min: 0.1,
      max: 50,
    },
    // The weekly legionella cycle runs the immersion 1–2 h; 3 h in a row is more than any normal cycle.
    minHours: {
      default: 3,
      unit: 'h',
      description: 'consecutive hours before the fault is present',
      min: 1,
      max: 24,
    },
    holdApparentCop: {
      default: 2,
      unit: 'COP',
      description: 'an active alarm holds while an hour of the last 3 stays below this COP',
      min: 0.5,
      max: 3,
    },
    // Below the balance point backup is legitimate (the model's controller allows it below 2 °C).
    minOutdoorC: {
      default: 2,
      unit: '°C',
      description:
        'only judged when the mean outdoor temperature over the run is at least this (if measured)',
      min: -30,
      max: 30,
    },
  },
  evaluate({ at, home, params, active }): Finding | undefined {
    if (!isHeatPump(home)) return undefined;
    const minKwh = params.minElectricityKwh ?? 1;
    // Hysteresis: a heater already found running is still running while the hours' COP stays well
    // below a heat pump's own (the compressor joining in lifts it above 1.4 but not to 2).
    const maxCop = active ? (params.holdApparentCop ?? 2) : (params.maxApparentCop ?? 1.4);
    const backupMeter = home.channels.find(
      (c) => c.key === 'electricity_energy' && c.measures !== undefined && BACKUP_CIRCUITS.has(c.measures),
    );
    let channel: ChannelData;
    let rows: BackupHour[];
    let test: (r: BackupHour) => boolean;
    if (backupMeter) {
      channel = backupMeter;
      rows = completeHours(backupMeter, at).map((h) => ({
        hour: h.hour,
        electricityKwh: h.delta,
        heatKwh: null,
      }));
      test = (r) => r.electricityKwh >= minKwh;
    } else {
      const electricity = heatPumpElectricity(home);
      const heat = heatEnergy(home);
      // A meter on the heat pump alone cannot see the backup heater.
      if (
        !electricity ||
        !heat ||
        electricity.measures === 'heat_pump' ||
        electricity.measures === 'compressor'
      )
        return undefined;
      channel = electricity;
      const heatHours = byHour(heat);
      rows = completeHours(electricity, at).flatMap((h) => {
        const q = heatHours.get(h.hour);
        return q ? [{ hour: h.hour, electricityKwh: h.delta, heatKwh: q.delta }] : [];
      });
      // Heat well under 1 per kWh is not a heater (it would be metered at COP 1): no_heat_while_running's.
      test = (r) =>
        r.electricityKwh >= minKwh &&
        r.heatKwh !== null &&
        r.heatKwh < maxCop * r.electricityKwh &&
        r.heatKwh >= 0.5 * r.electricityKwh;
    }
    if (rows.length === 0) return undefined;
    const runs = runsOf(rows, test);
    const last = rows[rows.length - 1] as BackupHour;
    const minHours = params.minHours ?? 3;
    // Active: any run of the last 3 hours holds it (one hour of the heater cycling off is not a repair).
    const run = active
      ? runs.findLast((r) => (r[r.length - 1] as BackupHour).hour >= last.hour - 2 * HOUR_MS)
      : runs[runs.length - 1];
    if (!run || (!active && (run.length < minHours || run[run.length - 1]?.hour !== last.hour)))
      return { present: false };
    const outdoor = outdoorMeanC(
      home,
      run.map((r) => r.hour),
    );
    const minOutdoor = params.minOutdoorC ?? 2;
    // Backup below the balance point is legitimate; but a heater found stuck in milder weather is
    // not freed by a cold night.
    if (!active && outdoor !== undefined && outdoor < minOutdoor) return { present: false };
    const electricity = run.reduce((s, r) => s + r.electricityKwh, 0);
    const heat = run.reduce((s, r) => s + (r.heatKwh ?? 0), 0);
    const first = run[0] as BackupHour;
    const cop = backupMeter ? null : round(heat / electricity);
    return {
      present: true,
      since: first.hour,
      evidence: {
        summary:
          `For ${run.length} hours since ${isoHour(first.hour)} ` +
          (backupMeter
            ? `the backup heater drew ${round(electricity, 1)} kWh`
            : `the heating drew ${round(electricity, 1)} kWh for ${round(heat, 1)} kWh of heat (COP ${cop}), as a direct electric heater would`) +
          (outdoor === undefined ? '' : ` at ${round(outdoor, 1)} °C outdoors`) +
          ': check the backup/immersion heater relay and its controller settings.',
        channelId: channel.channelId,
        channelKey: channel.key,
        meterSerial: channel.meterSerial,
        from: first.hour,
        to: (run[run.length - 1] as BackupHour).hour + HOUR_MS,
        values: {
          hours: run.length,
          electricityKwh: round(electricity, 3),
          heatKwh: backupMeter ? null : round(heat, 3),
          apparentCop: cop,
          outdoorC: outdoor === undefined ? null : round(outdoor, 1),
        },
      },
    };
  },
};

/**
 * The flow temperature a weather-compensated system should run at: a straight line from 25 °C at
 * 15 °C outdoor to the design flow temperature at the design outdoor temperature (the usual
 * installer setting, and the simulator's), never below 25 °C.
 */
export function expectedFlowC(outdoorC: number, designFlowC: number, designOutdoorC: number): number {
  if (designFlowC <= 25) return designFlowC;
  const slope = (designFlowC - 25) / (15 - designOutdoorC);
  return Math.max(25, 25 + slope * (15 - outdoorC));
}

/** Days of the home's own running its high_flow_temperature baseline is learnt from. */
const FLOW_BASELINE_DAYS = 21;
/** Of which at least this many must have judged hours (a week of one spell of weather is too few). */
const FLOW_BASELINE_MIN_DAYS = 14;
/** Hours with more compressor starts than this are cycling, not running on the curve. */
const MAX_JUDGED_STARTS = 3;

/** One judged space-heating hour: the flow it ran at and the flow expected of it. */
interface FlowHour {
  hour: number;
  flowC: number;
  expectedC: number;
}

/** The median of some numbers (undefined when there are none). */
function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const highFlowTemperature: Rule = {
  id: 'high_flow_temperature',
  title: 'Flow temperature too high',
  description:
    'Space heating runs persistently hotter than it should: hotter than the design weather curve (or, ' +
    'on fixed-flow controls, the design flow temperature) by more than any healthy controller trims, ' +
    'or clearly hotter than the home itself ran in the weeks before at the same outdoor temperatures: ' +
    'the curve or a fixed flow temperature is set too high, or the controls ignore weather ' +
    'compensation. Each degree costs roughly 2–3 % efficiency. Hours with a hot-water reheat are ' +
    'left out.',
  severity: 'warning',
  lookbackHours: 48 + FLOW_BASELINE_DAYS * 24 + 1,
  clearAfterMs: 6 * HOUR_MS,
  parameters: {
    // A healthy controller runs above its installer curve: room influence lifts the flow during the
    // morning recovery from a night setback and a curve offset trims it so the room reaches its
    // set-point (the simulator allows up to +5 K each, and its healthy demo homes run steady hours up
    // to ~9 K above the curve in mild autumn weather). 10 K is beyond any such adjustment.
    marginK: {
      default: 10,
      unit: 'K',
      description: 'how far above the expected flow temperature an hour must run to count as high',
      min: 1,
      max: 30,
    },
    // The same controller trims the curve the same way week after week: a home that runs this much
    // hotter than its own recent weeks, weather for weather, has had its curve or set-point raised.
    baselineMarginK: {
      default: 5,
      unit: 'K',
      description:
        'how far above the home’s own usual running (its median over the 3 weeks before, relative to the expected flow) an hour must run to count as high',
      min: 1,
      max: 30,
    },
    // UK design outdoor temperatures (CIBSE/MCS) run −1.8 to −5 °C; −3 °C is typical.
    designOutdoorC: {
      default: -3,
      unit: '°C',
      description: 'outdoor temperature at which the design flow temperature applies',
      min: -25,
      max: 10,
    },
    minHeatKwh: {
      default: 0.5,
      unit: 'kWh/h',
      description: 'hours delivering less heat are not heating hours',
      min: 0.05,
      max: 50,
    },
    // A hot-water reheat lifts the flow from the space-heating level to 45–56 °C (cylinder plus the
    // coil's approach) and back; a start or stop swings it from the idle loop (~20 °C) to the flow;
    // cycling swings it a few K each cycle. A steady space-heating hour stays within ~2 K.
    maxSpreadK: {
      default: 5,
      unit: 'K',
      description:
        'without a hot water flag: hours whose flow readings span more than this (hot-water reheats, starts, stops, cycling) are not judged',
      min: 1,
      max: 50,
    },
    heatingHours: {
      default: 8,
      unit: 'h',
      description: 'the most recent judged heating hours (within the last 48 h)',
      min: 3,
      max: 48,
    },
    // Mild days have few judged hours (the unit cycles); half the wanted number still makes a pattern.
    minHeatingHours: {
      default: 4,
      unit: 'h',
      description: 'fewer judged heating hours in the last 48 h than this are too few to judge',
      min: 1,
      max: 48,
    },
    minHighPercent: {
      default: 75,
      unit: '%',
      description: 'share of those heating hours that must run high',
      min: 10,
      max: 100,
    },
    holdHighPercent: {
      default: 50,
      unit: '%',
      description: 'an active alarm holds while at least this share of them runs high',
      min: 10,
      max: 100,
    },
  },
  evaluate({ at, home, params, active }): Finding | undefined {
    const designFlow = home.design.flowTemperatureC;
    const heat = heatEnergy(home);
    const flow = temperatureChannel(home, 'flow_temperature');
    if (designFlow === undefined || !heat || !flow) return undefined;
    const flowHours = byHour(flow);
    const outdoor = byHour(temperatureChannel(home, 'outdoor_temperature'));
    // The heat pump's hot water flag, when the heat meter reports it: hours without a reheat are
    // space heating throughout, and their highest flow is the flow the curve asked for while the
    // unit ran (starts, stops and cycling only lower an hour's mean).
    // Heat pumps only: a boiler fires at full output and overshoots its curve in bursts.
    const hotWater = isHeatPump(home) ? temperatureChannel(home, 'hot_water_mode') : undefined;
    const modeHours = byHour(hotWater);
    // Compressor starts per hour where the loader counted them: an hour of short cycling runs hot
    // bursts at twice the demand (short_cycling's business), not the curve.
    const powerHours = byHour(isHeatPump(home) ? heatPumpElectricity(home, 'electricity_power') : undefined);
    // Fixed-flow controls (the order says so) aim at the design flow whatever the weather: that is
    // their healthy running, not a fault; a fixed flow set higher than the design is.
    const fixedFlow = home.design.heatingControl === 'fixed_flow';
    const designOutdoor = params.designOutdoorC ?? -3;
    const margin = params.marginK ?? 10;
    const minHeat = params.minHeatKwh ?? 0.5;
    const maxSpread = params.maxSpreadK ?? 5;
    const windowFrom = hourOf(at) - 48 * HOUR_MS;
    const baselineFrom = windowFrom - FLOW_BASELINE_DAYS * 24 * HOUR_MS;
    let heatingHours = 0;
    const rows: FlowHour[] = [];
    const baselineResiduals: number[] = [];
    const baselineDays = new Set<number>();
    for (const h of completeHours(heat, at)) {
      const f = flowHours.get(h.hour);
      if (h.hour < baselineFrom || !f || h.delta < minHeat) continue;
      if (h.hour >= windowFrom) heatingHours++;
      if ((powerHours.get(h.hour)?.starts ?? 0) > MAX_JUDGED_STARTS) continue;
      const o = outdoor.get(h.hour);
      // Without an outdoor temperature the design flow temperature itself is the expectation (the
      // worst case). An outdoor hour that did not move at all may be a stuck sensor (stuck_sensor's
      // business): trusting it would blame the flow for the sensor, so it counts as missing.
      const expected =
        fixedFlow || !o || o.max <= o.min ? designFlow : expectedFlowC(mean(o), designFlow, designOutdoor);
      let flowC: number;
      if (hotWater) {
        const m = modeHours.get(h.hour);
        if (!m || m.max > 0) continue;
        flowC = f.max;
      } else {
        // Only steady space-heating hours: the mean of an hour with a hot-water reheat, a start or a
        // stop, or cycling says little about the curve (a 20-minute reheat at 55 °C lifts a 30 °C hour
        // by 8 K), and such hours swing by more than maxSpreadK.
        if (f.max - f.min > maxSpread) continue;
        flowC = mean(f);
      }
      if (h.hour >= windowFrom) rows.push({ hour: h.hour, flowC, expectedC: expected });
      // Against the design flow alone (no outdoor temperature) the weeks before are another
      // weather, not a norm: no baseline then.
      else if (fixedFlow || (o && o.max > o.min)) {
        baselineResiduals.push(flowC - expected);
        baselineDays.add(Math.floor(h.hour / (24 * HOUR_MS)));
      }
    }
    // The home's own usual running against the expectation: the median over the weeks before the
    // window (judged hours on at least 14 days, at least 48 of them). An active alarm keeps the
    // baseline it was raised against, so days of the fault never become the norm.
    const kept = active?.evidence?.values.baselineResidualK;
    const baseline =
      active && typeof kept === 'number'
        ? kept
        : active
          ? undefined
          : baselineResiduals.length >= 48 && baselineDays.size >= FLOW_BASELINE_MIN_DAYS
            ? medianOf(baselineResiduals)
            : undefined;
    // An hour runs high above the design curve by more than any trim, or above the home's own usual.
    // An active alarm holds at half the margin over its baseline: a controller with room influence
    // claws back part of a raised curve within a day or two (its trim saturates), and that does not
    // end the fault.
    const baselineMargin = (params.baselineMarginK ?? 5) * (active ? 0.5 : 1);
    const excessK = baseline === undefined ? margin : Math.min(margin, baseline + baselineMargin);
    const wanted = params.heatingHours ?? 8;
    const recent = rows.slice(-wanted);
    const minHours = Math.min(wanted, params.minHeatingHours ?? 4);
    if (recent.length < minHours) {
      // The heating ran but hardly ever steadily: it cycled at minimum output, which a curve set
      // well too high (long runs at a high flow) does not do. That is enough to call it absent, so
      // an old alarm can clear; with too few heating hours at all there is nothing to judge. An
      // active alarm is held: a house the high curve overheated runs little (hysteresis).
      return heatingHours >= minHours && !active ? { present: false } : undefined;
    }
    const high = recent.filter((r) => r.flowC > r.expectedC + excessK);
    const share = (100 * high.length) / recent.length;
    const needed = active ? (params.holdHighPercent ?? 50) : (params.minHighPercent ?? 75);
    if (share < needed) return { present: false };
    const first = recent[0] as FlowHour;
    const last = recent[recent.length - 1] as FlowHour;
    const meanFlow = recent.reduce((s, r) => s + r.flowC, 0) / recent.length;
    const meanExpected = recent.reduce((s, r) => s + r.expectedC, 0) / recent.length;
    const against = fixedFlow ? 'the fixed design flow' : 'the design curve';
    const usual =
      baseline === undefined || excessK >= margin
        ? `more than ${margin} K above ${against}`
        : `more than ${round(excessK, 1)} K above ${against}, where it usually runs ${round(baseline, 1)} K from it`;
    return {
      present: true,
      evidence: {
        summary:
          `In ${high.length} of the last ${recent.length} ${hotWater ? 'space-heating' : 'steady heating'} hours the flow ran ${usual} ` +
          `(mean ${round(meanFlow, 1)} °C against ${round(meanExpected, 1)} °C expected, design ` +
          `${designFlow} °C): check the weather-compensation curve and any fixed flow set-point.`,
        channelId: flow.channelId,
        channelKey: flow.key,
        meterSerial: flow.meterSerial,
        from: first.hour,
        to: last.hour + HOUR_MS,
        values: {
          judgedBy: hotWater ? 'highest flow of space-heating hours' : 'mean flow of steady heating hours',
          highHours: high.length,
          heatingHours: recent.length,
          meanFlowTemperatureC: round(meanFlow, 1),
          expectedFlowTemperatureC: round(meanExpected, 1),
          designFlowTemperatureC: designFlow,
          heatingControl: home.design.heatingControl ?? null,
          baselineResidualK: baseline === undefined ? null : round(baseline, 2),
          excessK: round(excessK, 2),
        },
      },
    };
  },
};
