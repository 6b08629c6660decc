import { type Static, Type } from 'typebox';
import { REGION_PATTERN } from '../http/schemas.js';

export const RegionParams = Type.Object({
  id: Type.String({
    pattern: REGION_PATTERN,
    description: 'the region: 1-64 letters, digits, . _ - (e.g. GB, north-wales)',
  }),
});

const Span = <T extends Record<string, ReturnType<typeof Type.Integer>>>(
  format: 'date' | 'date-time',
  what: string,
  count: T,
) =>
  Type.Union([
    Type.Object({
      first: Type.String({ format, description: `the first ${what}` }),
      last: Type.String({ format, description: `the last ${what}` }),
      ...count,
    }),
    Type.Null(),
  ]);

export const RegionViewSchema = Type.Object({
  name: Type.String(),
  isDefault: Type.Boolean({ description: 'the platform default region (HEARTH_DEFAULT_REGION)' }),
  weather: Span('date', 'local date with a daily mean', { days: Type.Integer() }),
  carbonIntensity: Span('date-time', 'half hour (its start)', { halfHours: Type.Integer() }),
});
export type RegionView = Static<typeof RegionViewSchema>;

export const RegionListSchema = Type.Object({ items: Type.Array(RegionViewSchema) });

export const WeatherQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date', description: 'first local date (inclusive)' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'last local date (exclusive)' })),
  },
  { additionalProperties: false },
);
export type WeatherQueryInput = Static<typeof WeatherQuery>;

export const WeatherSeriesSchema = Type.Object({
  region: Type.String(),
  items: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      meanC: Type.Number({ description: 'daily mean outdoor temperature, °C' }),
      degreeDays: Type.Number({ description: 'max(0, 15.5 − meanC), K·day' }),
    }),
  ),
});
export type WeatherSeries = Static<typeof WeatherSeriesSchema>;

export const IntensityQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339, exclusive' })),
  },
  { additionalProperties: false },
);
export type IntensityQueryInput = Static<typeof IntensityQuery>;

export const IntensitySeriesSchema = Type.Object({
  region: Type.String(),
  items: Type.Array(
    Type.Object({
      time: Type.String({ format: 'date-time', description: 'start of the half hour' }),
      gPerKwh: Type.Number({ description: 'gCO2e/kWh' }),
    }),
  ),
});
export type IntensitySeries = Static<typeof IntensitySeriesSchema>;

export const ImportResultSchema = Type.Object({
  region: Type.String(),
  stored: Type.Integer({ description: 'days (weather) or half hours (carbon intensity) stored' }),
  first: Type.Union([Type.String(), Type.Null()], { description: 'the first date or half hour of the file' }),
  last: Type.Union([Type.String(), Type.Null()], { description: 'the last date or half hour of the file' }),
});
export type ImportResult = Static<typeof ImportResultSchema>;
