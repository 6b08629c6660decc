import type { CreateOrderInput } from '@hearth/client';
import type { HomeSpec, MeterRole } from '../types.js';

/** How the readings reach the platform: HTTP push or MQTT publish by a gateway, or polled by the platform. */
export type Delivery = 'push' | 'mqtt' | 'poll';

type MeterInput = NonNullable<CreateOrderInput['meters']>[number];

/** The order's meter for each simulated meter role; the serial is the home's reference plus a suffix. */
function meterFor(spec: HomeSpec, role: MeterRole, options: OrderOptions): MeterInput {
  const reading =
    options.delivery === 'poll'
      ? {
          method: 'poll' as const,
          url: `${pollBaseOf(options)}/meters/${encodeURIComponent(serialOf(spec.reference, role))}`,
          intervalSeconds: spec.intervalSeconds,
        }
      : { method: options.delivery, intervalSeconds: spec.intervalSeconds };
  const serial = (suffix: string) => `${spec.reference}-${suffix}`;
  switch (role) {
    case 'heat_meter':
      return {
        serial: serial('HM'),
        kind: 'heat_meter',
        reading,
        // The defaults, plus the heat pump's hot water flag (1 while the diverter serves the cylinder).
        channels: [
          ...['heat_energy', 'heat_power', 'flow_temperature', 'return_temperature', 'flow_rate'].map(
            (key) => ({
              key,
            }),
          ),
          { key: 'hot_water_mode', quantity: 'state', kind: 'instantaneous' },
        ],
      };
    case 'electricity_meter':
      return {
        serial: serial('EM'),
        kind: 'electricity_meter',
        reading,
        // The SEPEMO boundary performance can state follows from what this meter's circuit includes.
        measures:
          spec.technology === 'gas_boiler'
            ? 'circulation_pump'
            : spec.backupHeaterKw > 0
              ? 'heat_pump_and_backup'
              : 'heat_pump',
      };
    case 'indoor_sensor':
      return { serial: serial('TI'), kind: 'temperature_sensor', location: 'indoor', reading };
    case 'outdoor_sensor':
      return { serial: serial('TO'), kind: 'temperature_sensor', location: 'outdoor', reading };
    case 'pv_inverter':
      return { serial: serial('PV'), kind: 'pv_inverter', reading };
    case 'gas_meter':
      return { serial: serial('GM'), kind: 'gas_meter', reading };
  }
}

/** The serial `orderFor` gives a meter role, to find the meter again in `GET /homes/{id}/meters`. */
export function serialOf(reference: string, role: MeterRole): string {
  const suffix: Record<MeterRole, string> = {
    heat_meter: 'HM',
    electricity_meter: 'EM',
    indoor_sensor: 'TI',
    outdoor_sensor: 'TO',
    pv_inverter: 'PV',
    gas_meter: 'GM',
  };
  return `${reference}-${suffix[role]}`;
}

function pollBaseOf(options: OrderOptions): string {
  if (!options.pollBaseUrl) throw new Error('delivery poll needs pollBaseUrl: where the meters are served');
  return options.pollBaseUrl.replace(/\/$/, '');
}

export interface OrderOptions {
  /** YYYY-MM-DD: the first day readings may carry (the simulation starts at its midnight UTC). */
  commissioningDate: string;
  delivery: Delivery;
  /** poll: the simulated meters' HTTP server (`serveMeters`), e.g. http://127.0.0.1:9100 */
  pollBaseUrl?: string;
  /** Where the home is; the demo spreads its fleet over north Wales. */
  property?: CreateOrderInput['property'];
}

/**
 * A complete New Installation order for a simulated home, as an agent would submit it: the
 * installation's design figures come from the home's physics, so performance can be compared with
 * the design it was given.
 */
export function orderFor(spec: HomeSpec, options: OrderOptions): CreateOrderInput {
  const heatPump = spec.technology !== 'gas_boiler';
  const designHeatLossW = Math.round(spec.heatLossWPerK * (20 - spec.designOutdoorC));
  return {
    reference: spec.reference,
    property: options.property ?? {
      addressLines: [`${spec.reference} Simulated Street`],
      town: 'Llanberis',
      postcode: 'LL55 4UR',
      country: 'GB',
    },
    installation: {
      technology: spec.technology,
      manufacturer: 'Hearth Simulator',
      model: heatPump
        ? `${spec.technology === 'ground_source_heat_pump' ? 'GS' : 'AS'}-${spec.ratedCapacityKw}`
        : 'Condensing',
      ratedCapacityKw: spec.ratedCapacityKw,
      commissioningDate: options.commissioningDate,
      designFlowTemperatureC: spec.designFlowTemperatureC,
      ...(heatPump && spec.control ? { heatingControl: spec.control } : {}),
      designHeatLossW,
      designHeatLossWPerK: spec.heatLossWPerK,
      ...(heatPump ? { designSpf: spec.technology === 'ground_source_heat_pump' ? 3.8 : 3.2 } : {}),
    },
    meters: spec.meters.map((role) => meterFor(spec, role, options)),
    services: {
      amr: { intervalSeconds: spec.intervalSeconds },
      insight: {},
      performance: {},
      fault_management: {},
    },
  };
}
