import { type Static, Type } from 'typebox';

/**
 * A meter's collection status, shown with the home's meters: homes declares it, telemetry computes
 * it from the stored readings (TelemetryQueries.meterStatuses) and homes asks through a port.
 */

/** A meter as its collection status is judged: when it was made and how it is read. */
export interface MeterForStatus {
  id: string;
  createdAt: number;
  reading: { method: 'push' | 'mqtt' | 'poll'; intervalSeconds: number };
}

export const MeterStatusSchema = Type.Object({
  state: Type.Union(
    [Type.Literal('online'), Type.Literal('late'), Type.Literal('offline'), Type.Literal('never_seen')],
    {
      description:
        'online: the last reading is at most 3 intervals old; late: at most 12; offline: older; never_seen: none yet',
    },
  ),
  lastReadingAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expectedIntervalSeconds: Type.Integer(),
  completeness: Type.Optional(
    Type.Array(
      Type.Object({
        date: Type.String({ format: 'date', description: 'local day of the agent time zone' }),
        expected: Type.Integer(),
        received: Type.Integer(),
        percent: Type.Number({ description: 'received / expected × 100, at most 100' }),
      }),
      {
        description:
          'the last 7 local days, today last (on GET /homes/{id}/meters; the home view leaves it out, as it changes by the minute)',
      },
    ),
  ),
  poll: Type.Optional(
    Type.Object(
      {
        lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        lastSuccessAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        failures: Type.Integer({ description: 'polls failed in a row; 0 after a success' }),
        lastError: Type.Union([Type.String(), Type.Null()], {
          description: 'why the last poll failed, or what it refused; null after a clean poll',
        }),
      },
      { description: 'meters read by poll: how the polling goes' },
    ),
  ),
});
export type MeterStatus = Static<typeof MeterStatusSchema>;

/** A polled meter's health (amr/poller.ts keeps it), shown in its status. Times are RFC 3339. */
export type PollHealth = NonNullable<MeterStatus['poll']>;

/** How a home's meters are collected, which their status depends on (provisioning and amr own it). */
export interface MeterCollection {
  /** the home's AMR interval setting, s (a polled meter is read at it); undefined: none set */
  amrIntervalSeconds: number | undefined;
  /** the poll health of each polled meter that has been polled */
  polls: Map<string, PollHealth>;
}
