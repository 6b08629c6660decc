import { type Static, Type } from 'typebox';
import { Email, PersonName } from '../agents/index.js';

/**
 * A home as a New Installation order describes it, and as the home keeps it: its property, occupant,
 * installation (with its design figures) and meters with their channels. Owned by homes, which
 * stores these documents (homes.address, occupant, installation; meters.settings); orders compose
 * them into an order's document.
 */

const Text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', ...(description ? { description } : {}) });

export const TECHNOLOGIES = [
  'air_source_heat_pump',
  'ground_source_heat_pump',
  'water_source_heat_pump',
  'exhaust_air_heat_pump',
  'hybrid_heat_pump',
  'gas_boiler',
  'oil_boiler',
  'electric_boiler',
  'solar_pv',
  'solar_thermal',
  'battery',
] as const;
export const HEAT_PUMPS: readonly string[] = TECHNOLOGIES.filter((t) => t.endsWith('heat_pump'));

export const METER_KINDS = [
  'heat_meter',
  'electricity_meter',
  'gas_meter',
  'temperature_sensor',
  'pv_inverter',
  'battery',
] as const;

/** Physical quantities a channel can carry, each with its one unit. */
export const QUANTITY_UNITS = {
  energy: 'kWh',
  power: 'W',
  temperature: '°C',
  flow_rate: 'l/min',
  volume: 'm³',
  state_of_charge: '%',
  relative_humidity: '%',
  /** a 0/1 flag, e.g. hot_water_mode (1 while the heat pump heats the cylinder) */
  state: '1',
} as const;
export type Quantity = keyof typeof QUANTITY_UNITS;

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const Reference = Text(64, 'the agent’s own reference; unique within the agent');

export const PropertySchema = Type.Object(
  {
    addressLines: Type.Optional(
      Type.Array(Text(200), { minItems: 1, maxItems: 4, description: 'street address' }),
    ),
    town: Type.Optional(Text(100)),
    postcode: Type.Optional(Text(16, 'UK postcodes are validated (e.g. LL55 4UR); free-form elsewhere')),
    country: Type.Optional(
      Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. GB' }),
    ),
    uprn: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,12}$', description: 'Unique Property Reference Number (UK)' }),
    ),
    latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'degrees, WGS84' })),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'degrees, WGS84' })),
    region: Type.Optional(
      Type.String({
        pattern: '^[\\w.-]{1,64}$',
        description:
          'the region whose weather and carbon intensity series apply (GET /regions), e.g. GB, north-wales; absent: the platform default',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OccupantSchema = Type.Object(
  {
    name: Type.Optional(PersonName),
    email: Type.Optional(Email),
    phone: Type.Optional(Type.String({ pattern: '^[+0-9 ()-]{6,20}$', description: 'a telephone number' })),
  },
  { additionalProperties: false, description: 'personal data: shown to admins and editors only, erasable' },
);

export const InstallationSchema = Type.Object(
  {
    technology: Type.Optional(literals(TECHNOLOGIES, 'what was installed')),
    manufacturer: Type.Optional(Text(100)),
    model: Type.Optional(Text(100)),
    ratedCapacityKw: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'kW' })),
    commissioningDate: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD' })),
    mcsCertificateNumber: Type.Optional(Text(50)),
    designFlowTemperatureC: Type.Optional(
      Type.Number({ minimum: 20, maximum: 90, description: '°C at design conditions' }),
    ),
    heatingControl: Type.Optional(
      Type.Union([Type.Literal('weather_compensation'), Type.Literal('fixed_flow')], {
        description:
          'how the space-heating flow temperature is set: a weather curve through designFlowTemperatureC at design conditions, or a fixed flow at designFlowTemperatureC switched by the room thermostat',
      }),
    ),
    designSpf: Type.Optional(
      Type.Number({ minimum: 1, maximum: 10, description: 'seasonal performance factor from the design' }),
    ),
    designScop: Type.Optional(
      Type.Number({ minimum: 1, maximum: 10, description: 'SCOP (EN 14825) of the unit' }),
    ),
    designHeatLossW: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'W at design conditions' }),
    ),
    designHeatLossWPerK: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'W/K' }),
    ),
    annualHeatDemandKwh: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000, description: 'kWh/year' }),
    ),
  },
  { additionalProperties: false },
);

export const ChannelSpecSchema = Type.Object(
  {
    key: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,62}$',
      description: 'e.g. heat_energy; unique within the meter',
    }),
    quantity: Type.Optional(literals(Object.keys(QUANTITY_UNITS) as Quantity[], 'physical quantity')),
    unit: Type.Optional(
      Type.String({
        maxLength: 10,
        description: 'must be the quantity’s unit: kWh, W, °C, l/min, m³, %, 1 (state)',
      }),
    ),
    kind: Type.Optional(
      Type.Union([Type.Literal('register'), Type.Literal('instantaneous')], {
        description: 'register: a cumulative counter (energy, volume); instantaneous: a momentary value',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ChannelSpec = Static<typeof ChannelSpecSchema>;

export const MeterSpecSchema = Type.Object(
  {
    serial: Text(64, 'the meter’s serial number; unique within the order'),
    kind: literals(METER_KINDS, 'what the meter is'),
    reading: Type.Optional(
      Type.Object(
        {
          method: Type.Union([Type.Literal('push'), Type.Literal('mqtt'), Type.Literal('poll')], {
            description:
              'push: the gateway POSTs readings; mqtt: it publishes them; poll: Hearth fetches url',
          }),
          url: Type.Optional(
            Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://', description: 'poll only' }),
          ),
          intervalSeconds: Type.Optional(
            Type.Integer({
              minimum: 10,
              maximum: 86_400,
              description: 'expected seconds between readings (default 60)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    location: Type.Optional(
      Type.Union(
        [
          Type.Literal('indoor'),
          Type.Literal('outdoor'),
          Type.Literal('flow'),
          Type.Literal('return'),
          Type.Literal('cylinder'),
        ],
        {
          description: 'temperature sensors: where it measures',
        },
      ),
    ),
    measures: Type.Optional(
      literals(
        [
          'heat_pump',
          'compressor',
          'backup_heater',
          'immersion_heater',
          'circulation_pump',
          'heat_pump_and_backup',
          'whole_house',
        ],
        'electricity meters: the circuit metered, which decides the SEPEMO boundary (H2 to H4) performance can state',
      ),
    ),
    channels: Type.Optional(
      Type.Array(ChannelSpecSchema, {
        maxItems: 32,
        description:
          'omit for the kind’s default channels; give to narrow (default keys) or extend (new keys, fully described)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MeterSpec = Static<typeof MeterSpecSchema>;

export type Property = Static<typeof PropertySchema>;
export type Occupant = Static<typeof OccupantSchema>;
export type Installation = Static<typeof InstallationSchema>;

/** What a home is made from: an order's reference and its description of the home. */
export interface HomeDescription {
  reference: string;
  property?: Property | undefined;
  occupant?: Occupant | undefined;
  installation?: Installation | undefined;
  meters?: MeterSpec[] | undefined;
}
