/**
 * SEPEMO system boundaries (H1–H4) from what a home's meters measure. Pure: it sees the meters as
 * the order defined them (kind, serial, `measures`, channels) and answers which boundaries can be
 * stated, and for one of them which registers add up to its heat and its electricity.
 *
 * Assumed metering positions (docs/performance.md): the heat meter sits after the heat pump and
 * any inline backup heater (so its heat includes the backup heater's); an immersion heater heats
 * the cylinder downstream of the heat meter, its heat equal to its electricity (resistive).
 */

export const BOUNDARY_LEVELS = ['H1', 'H2', 'H3', 'H4'] as const;
export type BoundaryLevel = (typeof BOUNDARY_LEVELS)[number];

export interface MeterDefinition {
  serial: string;
  kind: string;
  measures?: string;
  channels: { id: string; key: string; kind: 'register' | 'instantaneous' }[];
}

/** One register's contribution to a sum: its consumption times the sign. */
export interface Term {
  channelId: string;
  serial: string;
  sign: 1 | -1;
}

export interface Boundary {
  level: BoundaryLevel;
  description: string;
  heat: Term[];
  electricity: Term[];
  electricityMeters: string[];
  heatMeters: string[];
  assumptions: string[];
}

export interface BoundarySupport {
  /** The boundaries these meters support, narrowest first. */
  levels: BoundaryLevel[];
  /** Why no boundary (or no wider one) can be stated. */
  limits: string[];
}

export const BOUNDARY_DESCRIPTIONS: Record<BoundaryLevel, string> = {
  H1: 'H1: the refrigerant cycle — heat pump heat over compressor electricity',
  H2: 'H2: the heat pump unit — H1 plus the source-side fan or brine pump and the unit’s controls',
  H3: 'H3: the heat pump system — H2 plus the backup and immersion heaters (their heat and electricity)',
  H4: 'H4: the heating system — H3 plus the heating-side circulation pumps',
};

/** The register of each meter that boundaries sum, by meter kind. */
const REGISTER_KEY: Record<string, string> = {
  heat_meter: 'heat_energy',
  electricity_meter: 'electricity_energy',
};
/** A heat meter's register of reverse (defrost) heat, when the order adds one. */
export const REVERSE_HEAT_KEY = 'heat_energy_reverse';
/**
 * The heat pump's hot water flag (quantity `state`, 0/1: 1 while the diverter valve sends heat to the
 * cylinder; heatpumpmonitor.org's "dhw flag"). No meter has it by default: an order adds it as an
 * extra instantaneous channel, usually of the heat meter.
 */
export const HOT_WATER_MODE_KEY = 'hot_water_mode';

function registerOf(meter: MeterDefinition, key: string): string | undefined {
  return meter.channels.find((c) => c.key === key && c.kind === 'register')?.id;
}

interface Circuits {
  heat: MeterDefinition[];
  byMeasure: Map<string, MeterDefinition[]>;
}

function circuits(meters: MeterDefinition[]): Circuits {
  const heat = meters.filter(
    (m) => m.kind === 'heat_meter' && registerOf(m, REGISTER_KEY.heat_meter as string),
  );
  const byMeasure = new Map<string, MeterDefinition[]>();
  for (const m of meters) {
    if (m.kind !== 'electricity_meter' || !m.measures) continue;
    if (!registerOf(m, REGISTER_KEY.electricity_meter as string)) continue;
    byMeasure.set(m.measures, [...(byMeasure.get(m.measures) ?? []), m]);
  }
  return { heat, byMeasure };
}

/** Which boundaries the meters support, and why not more. */
export function supportedBoundaries(meters: MeterDefinition[]): BoundarySupport {
  const { heat, byMeasure } = circuits(meters);
  const has = (measure: string) => (byMeasure.get(measure)?.length ?? 0) > 0;
  const limits: string[] = [];
  if (heat.length === 0) {
    limits.push('no heat meter with a heat_energy register: no boundary can be stated');
    return { levels: [], limits };
  }
  const levels: BoundaryLevel[] = [];
  const combined = has('heat_pump_and_backup');
  if (has('compressor') && !combined) levels.push('H1');
  if (has('heat_pump') && !combined) levels.push('H2');
  if (has('heat_pump') || combined) levels.push('H3');
  if (levels.includes('H3') && has('circulation_pump')) levels.push('H4');
  if (combined)
    limits.push('the heat pump and its backup heater share one meter: H1 and H2 cannot be separated');
  if (!has('compressor') && !combined)
    limits.push('no electricity meter measures the compressor alone: no H1');
  if (!has('heat_pump') && !combined)
    limits.push(
      'no electricity meter measures the heat pump (heat_pump or heat_pump_and_backup): no H2 or H3',
    );
  if (levels.includes('H3') && !has('circulation_pump'))
    limits.push('no electricity meter measures the circulation pumps: no H4');
  if (has('whole_house'))
    limits.push('a whole_house meter includes household loads: it is not used for any boundary');
  return { levels, limits };
}

/** The registers of one boundary (which must be supported: see supportedBoundaries). */
export function boundaryTerms(meters: MeterDefinition[], level: BoundaryLevel): Boundary {
  const { heat, byMeasure } = circuits(meters);
  const of = (measure: string) => byMeasure.get(measure) ?? [];
  const term = (m: MeterDefinition, key: string, sign: 1 | -1): Term => ({
    channelId: registerOf(m, key) as string,
    serial: m.serial,
    sign,
  });
  const heatTerms: Term[] = [];
  for (const m of heat) {
    heatTerms.push(term(m, 'heat_energy', 1));
    if (registerOf(m, REVERSE_HEAT_KEY)) heatTerms.push(term(m, REVERSE_HEAT_KEY, -1));
  }
  const electricity: Term[] = [];
  const assumptions: string[] = [];
  const backup = of('backup_heater');
  const immersion = of('immersion_heater');
  if (level === 'H1' || level === 'H2') {
    for (const m of of(level === 'H1' ? 'compressor' : 'heat_pump'))
      electricity.push(term(m, 'electricity_energy', 1));
    // The inline backup heater's heat is inside the heat meter's: take it out (resistive: heat = electricity).
    for (const m of backup) heatTerms.push(term(m, 'electricity_energy', -1));
    if (backup.length === 0)
      assumptions.push(
        'no backup heater is metered: the heat meter’s heat is taken to be the heat pump’s alone',
      );
  } else {
    for (const measure of ['heat_pump', 'heat_pump_and_backup', 'backup_heater', 'immersion_heater'])
      for (const m of of(measure)) electricity.push(term(m, 'electricity_energy', 1));
    // The immersion heater heats the cylinder after the heat meter: its heat (= its electricity) adds.
    for (const m of immersion) heatTerms.push(term(m, 'electricity_energy', 1));
    if (of('heat_pump_and_backup').length === 0 && backup.length === 0 && immersion.length === 0)
      assumptions.push(
        'no backup or immersion heater is metered: H3 assumes the system has none (else it equals H2)',
      );
    if (level === 'H4')
      for (const m of of('circulation_pump')) electricity.push(term(m, 'electricity_energy', 1));
  }
  const serials = (terms: Term[]) => [...new Set(terms.map((t) => t.serial))];
  return {
    level,
    description: BOUNDARY_DESCRIPTIONS[level],
    heat: heatTerms,
    electricity,
    heatMeters: serials(heatTerms.filter((t) => heat.some((m) => m.serial === t.serial))),
    // Every electricity meter read, including a backup heater whose heat is taken out (H1, H2).
    electricityMeters: serials([
      ...electricity,
      ...heatTerms.filter((t) => !heat.some((m) => m.serial === t.serial)),
    ]),
    assumptions,
  };
}

/**
 * The power channel whose readings show the compressor running: the compressor's own meter, else
 * the heat pump's, else the combined heat pump and backup meter.
 */
export function compressorPowerChannel(
  meters: MeterDefinition[],
): { channelId: string; serial: string } | null {
  for (const measure of ['compressor', 'heat_pump', 'heat_pump_and_backup']) {
    for (const m of meters) {
      if (m.kind !== 'electricity_meter' || m.measures !== measure) continue;
      const channel = m.channels.find((c) => c.key === 'electricity_power' && c.kind === 'instantaneous');
      if (channel) return { channelId: channel.id, serial: m.serial };
    }
  }
  return null;
}

/** An instantaneous channel of a meter kind (and location for sensors), e.g. the outdoor temperature. */
export function findChannel(meters: MeterDefinition[], key: string): string | null {
  for (const m of meters) {
    const channel = m.channels.find((c) => c.key === key && c.kind === 'instantaneous');
    if (channel) return channel.id;
  }
  return null;
}

/** The hot water flag channel (any meter, heat meters first), or null when none is metered. */
export function hotWaterModeChannel(meters: MeterDefinition[]): { channelId: string; serial: string } | null {
  const ordered = [
    ...meters.filter((m) => m.kind === 'heat_meter'),
    ...meters.filter((m) => m.kind !== 'heat_meter'),
  ];
  for (const m of ordered) {
    const channel = m.channels.find((c) => c.key === HOT_WATER_MODE_KEY && c.kind === 'instantaneous');
    if (channel) return { channelId: channel.id, serial: m.serial };
  }
  return null;
}
