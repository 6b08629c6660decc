import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';

export const AuditEventViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  at: Type.String({ format: 'date-time' }),
  agentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  actor: Type.Union([
    Type.Object({ id: Type.String(), username: Type.String(), role: Type.String() }),
    Type.Null(),
  ]),
  action: Type.String({ description: '<kind>.<verb>, e.g. user.updated' }),
  target: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  details: Type.Record(Type.String(), Type.Unknown()),
  address: Type.Union([Type.String(), Type.Null()], { description: 'client address of the change' }),
});
export type AuditEventView = Static<typeof AuditEventViewSchema>;

export const AuditQuerySchema = Type.Object(
  {
    ...PageQuery,
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator only: one agent' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'events at or after (RFC 3339)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'events before (RFC 3339)' })),
    action: Type.Optional(
      Type.String({
        pattern: '^[a-z_]+(\\.[a-z_]+)?$',
        maxLength: 64,
        description: 'an action (user.updated) or a kind (user)',
      }),
    ),
  },
  { additionalProperties: false },
);
