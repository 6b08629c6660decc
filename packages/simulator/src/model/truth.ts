import type { Truth } from '../types.js';
import type { ResolvedFault } from './faults.js';
import { isoDate } from './time.js';

/** What one model step did, kWh (and the step's outdoor temperature and length). */
export interface StepEnergy {
  day: number;
  durationMs: number;
  outdoorC: number;
  spaceHeatingKwh: number;
  hotWaterKwh: number;
  electricityKwh: number;
  spaceHeatingElectricityKwh: number;
  hotWaterElectricityKwh: number;
  runningHeatKwh: number;
  runningElectricityKwh: number;
  backupElectricityKwh: number;
  defrostKwh: number;
  gasKwh: number;
  pvKwh: number;
  compressorElectricityKwh: number;
  compressorHeatKwh: number;
  starts: number;
}

type Totals = Omit<StepEnergy, 'day' | 'durationMs' | 'outdoorC'>;

const TOTAL_KEYS = [
  'spaceHeatingKwh',
  'hotWaterKwh',
  'electricityKwh',
  'spaceHeatingElectricityKwh',
  'hotWaterElectricityKwh',
  'runningHeatKwh',
  'runningElectricityKwh',
  'backupElectricityKwh',
  'defrostKwh',
  'gasKwh',
  'pvKwh',
  'compressorElectricityKwh',
  'compressorHeatKwh',
  'starts',
] as const satisfies readonly (keyof Totals)[];

interface DayLedger {
  day: number;
  outdoorMs: number;
  durationMs: number;
  heatKwh: number;
  electricityKwh: number;
  gasKwh: number;
}

function zeroTotals(): Totals {
  return {
    spaceHeatingKwh: 0,
    hotWaterKwh: 0,
    electricityKwh: 0,
    spaceHeatingElectricityKwh: 0,
    hotWaterElectricityKwh: 0,
    runningHeatKwh: 0,
    runningElectricityKwh: 0,
    backupElectricityKwh: 0,
    defrostKwh: 0,
    gasKwh: 0,
    pvKwh: 0,
    compressorElectricityKwh: 0,
    compressorHeatKwh: 0,
    starts: 0,
  };
}

/**
 * Running totals of the model's steps. The model computes whole steps and may run up to one step
 * past `now`; the truth at `now` takes back the unfinished share of that last step, so it does not
 * depend on how `advance` calls were split.
 */
export class TruthLedger {
  private readonly totals = zeroTotals();
  private readonly days: DayLedger[] = [];
  private last: StepEnergy | undefined;

  constructor(private readonly isHeatPump: boolean) {}

  add(step: StepEnergy): void {
    // Written out rather than looped over TOTAL_KEYS: this runs every simulated minute.
    const totals = this.totals;
    totals.spaceHeatingKwh += step.spaceHeatingKwh;
    totals.hotWaterKwh += step.hotWaterKwh;
    totals.electricityKwh += step.electricityKwh;
    totals.spaceHeatingElectricityKwh += step.spaceHeatingElectricityKwh;
    totals.hotWaterElectricityKwh += step.hotWaterElectricityKwh;
    totals.runningHeatKwh += step.runningHeatKwh;
    totals.runningElectricityKwh += step.runningElectricityKwh;
    totals.backupElectricityKwh += step.backupElectricityKwh;
    totals.defrostKwh += step.defrostKwh;
    totals.gasKwh += step.gasKwh;
    totals.pvKwh += step.pvKwh;
    totals.compressorElectricityKwh += step.compressorElectricityKwh;
    totals.compressorHeatKwh += step.compressorHeatKwh;
    totals.starts += step.starts;
    let day = this.days[this.days.length - 1];
    if (day === undefined || day.day !== step.day) {
      day = { day: step.day, outdoorMs: 0, durationMs: 0, heatKwh: 0, electricityKwh: 0, gasKwh: 0 };
      this.days.push(day);
    }
    day.outdoorMs += step.outdoorC * step.durationMs;
    day.durationMs += step.durationMs;
    day.heatKwh += step.spaceHeatingKwh + step.hotWaterKwh;
    day.electricityKwh += step.electricityKwh;
    day.gasKwh += step.gasKwh;
    this.last = step;
  }

  /**
   * The truth at `now`, where `unfinishedShare` (0–1) of the last step lies after `now`. Starts are
   * whole events at the beginning of a step: taken back only with a step that lies wholly after `now`.
   */
  snapshot(unfinishedShare: number, faults: readonly ResolvedFault[], from: number, now: number): Truth {
    const totals = { ...this.totals };
    const days = this.days.map((d) => ({ ...d }));
    const last = this.last;
    if (last !== undefined && unfinishedShare > 0) {
      for (const key of TOTAL_KEYS)
        if (key !== 'starts' || unfinishedShare >= 1) totals[key] -= last[key] * unfinishedShare;
      const day = days[days.length - 1];
      if (day !== undefined) {
        const ms = last.durationMs * unfinishedShare;
        day.outdoorMs -= last.outdoorC * ms;
        day.durationMs -= ms;
        day.heatKwh -= (last.spaceHeatingKwh + last.hotWaterKwh) * unfinishedShare;
        day.electricityKwh -= last.electricityKwh * unfinishedShare;
        day.gasKwh -= last.gasKwh * unfinishedShare;
      }
    }
    const heatDeliveredKwh = totals.spaceHeatingKwh + totals.hotWaterKwh;
    return {
      heatDeliveredKwh,
      spaceHeatingKwh: totals.spaceHeatingKwh,
      hotWaterKwh: totals.hotWaterKwh,
      electricityKwh: totals.electricityKwh,
      spaceHeatingElectricityKwh: totals.spaceHeatingElectricityKwh,
      hotWaterElectricityKwh: totals.hotWaterElectricityKwh,
      runningHeatKwh: totals.runningHeatKwh,
      runningElectricityKwh: totals.runningElectricityKwh,
      backupElectricityKwh: totals.backupElectricityKwh,
      defrostKwh: totals.defrostKwh,
      gasKwh: totals.gasKwh,
      pvKwh: totals.pvKwh,
      spf:
        this.isHeatPump && totals.electricityKwh > 0 ? heatDeliveredKwh / totals.electricityKwh : Number.NaN,
      starts: totals.starts,
      compressorElectricityKwh: totals.compressorElectricityKwh,
      compressorHeatKwh: totals.compressorHeatKwh,
      days: days
        .filter((d) => d.durationMs > 0)
        .map((d) => ({
          date: isoDate(d.day),
          meanOutdoorC: d.outdoorMs / d.durationMs,
          heatKwh: d.heatKwh,
          electricityKwh: d.electricityKwh,
          gasKwh: d.gasKwh,
        })),
      faults: faults
        .filter((f) => f.start < now && f.end > from)
        .map((f) => ({
          kind: f.kind,
          ...(f.channel === undefined ? {} : { channel: f.channel }),
          ...(f.meter === undefined ? {} : { meter: f.meter }),
          start: Math.max(f.start, from),
          end: Math.min(f.end, now),
        })),
    };
  }
}
