import { invalidQuery } from '../analytics/window.js';
import type { MeterView } from '../homes/index.js';
import {
  type Boundary,
  type BoundarySupport,
  boundaryTerms,
  findChannel,
  hotWaterModeChannel,
  REVERSE_HEAT_KEY,
  supportedBoundaries,
  type Term,
} from './boundary.js';
import type { PerformanceQueryInput } from './schemas.js';

/** What a home's meters let performance state, and the channels it reads to state it. */
export interface PerformanceChannels {
  support: BoundarySupport;
  /** the boundary asked for, else the widest the meters support; null when they support none */
  boundary: Boundary | null;
  /** the heat meters' own terms at the boundary (forward minus any reverse heat): the house's heat, for its heat loss */
  heatMeterTerms: Term[];
  /** the heat meters' reverse heat registers (defrost) */
  reverse: string[];
  flowChannel: string | null;
  outdoorChannel: string | null;
  hotWaterFlag: { channelId: string; serial: string } | null;
  /** meters of an immersion heater: it heats the cylinder whatever the heat pump's valve does */
  immersionSerials: Set<string>;
  /** the house's heat for its heat demand, whatever the boundary: the heat meters' forward minus reverse heat */
  houseHeat: Term[];
  /** the registers summed at the boundary */
  registers: string[];
  /** every channel whose hourly rollups are read */
  wanted: string[];
}

/**
 * Stage 1: the boundary and the channels. A boundary the meters do not support is an invalid query
 * that names the ones they do.
 */
export function channelsOf(
  meters: MeterView[],
  query: Pick<PerformanceQueryInput, 'boundary'>,
): PerformanceChannels {
  const support = supportedBoundaries(meters);
  if (query.boundary !== undefined && !support.levels.includes(query.boundary)) {
    throw invalidQuery(
      'boundary',
      `is not supported by this home's meters`,
      `boundary ${query.boundary} is not supported by this home's meters` +
        (support.levels.length > 0 ? ` (they support ${support.levels.join(', ')})` : '') +
        `: ${support.limits.join('; ')}`,
    );
  }
  const level = query.boundary ?? support.levels.at(-1);
  const boundary: Boundary | null = level ? boundaryTerms(meters, level) : null;

  const heatMeters = meters.filter((m) => m.kind === 'heat_meter');
  const heatMeterSerials = new Set(heatMeters.map((m) => m.serial));
  const heatMeterTerms: Term[] = boundary ? boundary.heat.filter((t) => heatMeterSerials.has(t.serial)) : [];
  const reverse = heatMeters.flatMap((m) =>
    m.channels.filter((c) => c.key === REVERSE_HEAT_KEY && c.kind === 'register').map((c) => c.id),
  );
  const flowChannel = findChannel(heatMeters, 'flow_temperature');
  const outdoorChannel = findChannel(meters, 'outdoor_temperature');
  const hotWaterFlag = hotWaterModeChannel(meters);
  const immersionSerials = new Set(
    meters
      .filter((m) => m.kind === 'electricity_meter' && m.measures === 'immersion_heater')
      .map((m) => m.serial),
  );
  const houseHeat: Term[] = heatMeters.flatMap((m) =>
    m.channels
      .filter((c) => c.kind === 'register' && (c.key === 'heat_energy' || c.key === REVERSE_HEAT_KEY))
      .map((c): Term => ({ channelId: c.id, serial: m.serial, sign: c.key === 'heat_energy' ? 1 : -1 })),
  );
  const registers = boundary
    ? [...new Set([...boundary.heat, ...boundary.electricity].map((t) => t.channelId))]
    : [];
  const wanted = [
    ...new Set([
      ...registers,
      ...reverse,
      ...houseHeat.map((t) => t.channelId),
      ...[flowChannel, outdoorChannel, hotWaterFlag?.channelId ?? null].filter((c) => c !== null),
    ]),
  ];
  return {
    support,
    boundary,
    heatMeterTerms,
    reverse,
    flowChannel,
    outdoorChannel,
    hotWaterFlag,
    immersionSerials,
    houseHeat,
    registers,
    wanted,
  };
}
