import { Type } from 'typebox';

/**
 * Pieces the analytics routes (performance, insight, portfolio) share: their window parameters,
 * the local period, nullable figures and rounding.
 */

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(
  schema: T,
  description?: string,
) => Type.Union([schema, Type.Null()], description ? { description } : {});

/** `from`: the window's start; `defaults` says what it is when left out (it differs per route). */
export const WindowFrom = (defaults: string) =>
  Type.Optional(
    Type.String({
      format: 'date-time',
      description: `start (RFC 3339, rounded down to its UTC hour); default: ${defaults}`,
    }),
  );

export const WindowTo = (defaults = 'now') =>
  Type.Optional(
    Type.String({
      format: 'date-time',
      description: `end (exclusive, rounded up to a UTC hour); default: ${defaults}`,
    }),
  );

export const PeriodParam = Type.Optional(
  Type.Union(
    [
      Type.Literal('day'),
      Type.Literal('week'),
      Type.Literal('month'),
      Type.Literal('year'),
      Type.Literal('all'),
    ],
    {
      description:
        'the periods of the table, in the agent’s local calendar (ISO weeks from Monday); default month',
    },
  ),
);

/** Rounds to `decimals` places for an answer (figures are computed unrounded). */
export const round = (value: number, decimals: number): number => {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
};
