import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';
import { DAYS, MAX_BANDS_PER_DAY } from './bands.js';

export const FuelSchema = Type.Union(
  [
    Type.Literal('electricity'),
    Type.Literal('gas'),
    Type.Literal('heat'),
    Type.Literal('electricity_export'),
  ],
  { description: 'what the tariff prices, per kWh (gas too); electricity_export pays for exported PV' },
);
export const FUELS = ['electricity', 'gas', 'heat', 'electricity_export'] as const;

const Money = (description: string, minimum: number) =>
  Type.Number({ minimum, maximum: 100_000, description });
const LocalDate = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });

/** A day of the week: mon tue wed thu fri sat sun. */
export const DaySchema = Type.Enum([...DAYS], { description: 'a day of the week' });

export const BandSchema = Type.Object(
  {
    from: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'local time HH:MM, inclusive' }),
    to: Type.String({
      pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
      description: "local time HH:MM, exclusive; '24:00' is midnight; a to before from wraps midnight",
    }),
    rate: Money('minor units (pence) per kWh; may be negative', -100_000),
    days: Type.Optional(
      Type.Array(DaySchema, {
        minItems: 1,
        maxItems: 7,
        description:
          'the local days the band applies on, each named once (answered in week order, and omitted ' +
          'when all seven); omitted: every day. A band wrapping midnight covers the evening and the ' +
          'early morning of each day named',
      }),
    ),
  },
  { additionalProperties: false },
);

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code; default GBP' }),
  standingCharge: Money('minor units (pence) per day', 0),
  // Not nullable: giving one of unitRate and bands on a change drops the other.
  unitRate: Money('flat: minor units (pence) per kWh, all day; may be negative', -100_000),
  bands: Type.Array(BandSchema, {
    minItems: 1,
    maxItems: 7 * MAX_BANDS_PER_DAY,
    description: `time-of-use bands covering each local day exactly once; at most ${MAX_BANDS_PER_DAY} apply on a day`,
  }),
  carbonFactor: Type.Number({
    minimum: 0,
    maximum: 10,
    description: 'kgCO2e per kWh; default by fuel (docs/tariffs.md)',
  }),
  validFrom: Type.Union([LocalDate('first local date it applies (inclusive); null: always'), Type.Null()]),
  validTo: Type.Union([LocalDate('local date it stops applying (exclusive); null: open-ended'), Type.Null()]),
  isDefault: Type.Boolean({
    description: "the agent's default tariff for its fuel (homes without their own)",
  }),
};

export const TariffViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  fuel: FuelSchema,
  currency: Type.String(),
  standingCharge: Type.Number({ description: 'minor units (pence) per day' }),
  unitRate: Type.Union([Type.Number(), Type.Null()], { description: 'flat: minor units per kWh' }),
  bands: Type.Union([
    Type.Array(
      Type.Object({
        from: Type.String(),
        to: Type.String(),
        rate: Type.Number(),
        days: Type.Optional(
          Type.Array(DaySchema, { description: 'in week order; absent: every day (docs/tariffs.md)' }),
        ),
      }),
    ),
    Type.Null(),
  ]),
  carbonFactor: Type.Number({ description: 'kgCO2e per kWh' }),
  validFrom: Type.Union([Type.String(), Type.Null()]),
  validTo: Type.Union([Type.String(), Type.Null()]),
  isDefault: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type TariffView = Static<typeof TariffViewSchema>;

export const CreateTariffBody = Type.Object(
  {
    name: fields.name,
    fuel: FuelSchema,
    currency: Type.Optional(fields.currency),
    standingCharge: fields.standingCharge,
    unitRate: Type.Optional(fields.unitRate),
    bands: Type.Optional(fields.bands),
    carbonFactor: Type.Optional(fields.carbonFactor),
    validFrom: Type.Optional(fields.validFrom),
    validTo: Type.Optional(fields.validTo),
    isDefault: Type.Optional(fields.isDefault),
    agentId: Type.Optional(
      Type.String({ format: 'uuid', description: "the operator names the agent; an admin's is their own" }),
    ),
  },
  { additionalProperties: false },
);
export type CreateTariffInput = Static<typeof CreateTariffBody>;

/** A change: the fields given replace the stored ones (fuel and agent never change). */
export const UpdateTariffBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    currency: Type.Optional(fields.currency),
    standingCharge: Type.Optional(fields.standingCharge),
    unitRate: Type.Optional(fields.unitRate),
    bands: Type.Optional(fields.bands),
    carbonFactor: Type.Optional(fields.carbonFactor),
    validFrom: Type.Optional(fields.validFrom),
    validTo: Type.Optional(fields.validTo),
    isDefault: Type.Optional(fields.isDefault),
  },
  { additionalProperties: false },
);
export type UpdateTariffInput = Static<typeof UpdateTariffBody>;

export const TariffListQuery = Type.Object(
  {
    ...PageQuery,
    fuel: Type.Optional(FuelSchema),
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: one agent' })),
  },
  { additionalProperties: false },
);

export const HomeTariffsQuery = Type.Object(
  { date: Type.Optional(LocalDate("the local date (default: today in the agent's time zone)")) },
  { additionalProperties: false },
);

export const HomeTariffsViewSchema = Type.Object({
  homeId: Type.String({ format: 'uuid' }),
  date: Type.String({ description: 'the local date the effective tariffs are for' }),
  items: Type.Array(
    Type.Object({
      fuel: FuelSchema,
      source: Type.Union([Type.Literal('home'), Type.Literal('agent_default'), Type.Literal('none')], {
        description: "home: the home's own; agent_default: the agent's default; none: no tariff applies",
      }),
      tariff: Type.Union([TariffViewSchema, Type.Null()]),
      homeTariffId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
        description: "the home's own tariff for the fuel, even on a date outside its validity",
      }),
    }),
  ),
});
export type HomeTariffsView = Static<typeof HomeTariffsViewSchema>;

export const SetHomeTariffsBody = Type.Object(
  {
    overrides: Type.Array(
      Type.Object(
        { fuel: FuelSchema, tariffId: Type.String({ format: 'uuid' }) },
        { additionalProperties: false },
      ),
      {
        maxItems: 4,
        description: "the home's own tariffs, one per fuel at most; fuels not listed use the agent default",
      },
    ),
  },
  { additionalProperties: false },
);
export type SetHomeTariffsInput = Static<typeof SetHomeTariffsBody>;
