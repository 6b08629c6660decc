import type { ChannelKey, FaultKind, FaultSpec, MeterRole } from '../types.js';

/** A fault with its defaults filled in. */
export interface ResolvedFault {
  kind: FaultKind;
  start: number;
  end: number;
  channel?: ChannelKey;
  meter?: MeterRole;
  amount: number;
  factor: number;
  offsetC: number;
  secondsPerDay: number;
}

export const DEFAULT_ROLLBACK_AMOUNT = 50;
export const DEFAULT_COP_FACTOR = 0.6;
export const DEFAULT_FLOW_OFFSET_C = 12;
export const DEFAULT_DRIFT_SECONDS_PER_DAY = 120;

/**
 * The channel a fault acts on when the spec names none: stuck sensors freeze the outdoor sensor if
 * there is one (the classic sun-on-the-sensor or dead-battery case), else the heat meter's flow
 * temperature; resets and rollbacks hit the heat meter's register.
 */
export function defaultFaultChannel(kind: FaultKind, meters: readonly MeterRole[]): ChannelKey | undefined {
  if (kind === 'stuck_sensor')
    return meters.includes('outdoor_sensor') ? 'outdoor_temperature' : 'flow_temperature';
  if (kind === 'register_reset' || kind === 'register_rollback') return 'heat_energy';
  return undefined;
}

export function resolveFault(spec: FaultSpec, meters: readonly MeterRole[]): ResolvedFault {
  const channel = spec.channel ?? defaultFaultChannel(spec.kind, meters);
  const meter = spec.kind === 'clock_drift' ? (spec.meter ?? 'heat_meter') : spec.meter;
  return {
    kind: spec.kind,
    start: spec.start,
    end: spec.start + Math.max(0, spec.durationMs),
    ...(channel === undefined ? {} : { channel }),
    ...(meter === undefined ? {} : { meter }),
    amount: spec.params?.amount ?? DEFAULT_ROLLBACK_AMOUNT,
    factor: spec.params?.factor ?? DEFAULT_COP_FACTOR,
    offsetC: spec.params?.offsetC ?? DEFAULT_FLOW_OFFSET_C,
    secondsPerDay: spec.params?.secondsPerDay ?? DEFAULT_DRIFT_SECONDS_PER_DAY,
  };
}

export function isActive(fault: ResolvedFault, t: number): boolean {
  return t >= fault.start && t < fault.end;
}

/** How far a drifting clock has run ahead at true time t, ms (0 once the fault ends: the clock is reset). */
export function clockDriftMs(fault: ResolvedFault, t: number): number {
  if (!isActive(fault, t)) return 0;
  return Math.round((fault.secondsPerDay * 1000 * (t - fault.start)) / 86_400_000);
}
