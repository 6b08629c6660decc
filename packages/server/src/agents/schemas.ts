import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';
import { REGION_PATTERN } from '../http/schemas.js';

export const AgentStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('suspended')], {
  description: "suspended: every call by the agent's users is refused with 403 until reactivated",
});

export const AgentViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: AgentStatusSchema,
  timeZone: Type.String({ description: "IANA time zone of the agent's day and month buckets" }),
  region: Type.Union([Type.String(), Type.Null()], {
    description:
      "the region (GET /regions) whose weather and carbon intensity series the agent's homes use when their order names none; null: the platform default",
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type AgentView = Static<typeof AgentViewSchema>;

export const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$',
  description: 'an IANA time zone such as Europe/London (the default): telemetry days and months follow it',
});
export const AgentRegion = Type.String({
  pattern: REGION_PATTERN,
  description:
    "the default region of the agent's homes (GET /regions), e.g. scotland: homes whose order names no property.region use its weather and carbon intensity series",
});
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'company name' });
export const Email = Type.String({ format: 'email', maxLength: 254, description: 'an email address' });
export const PersonName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "a person's name",
});

export const CreateAgentBody = Type.Object(
  {
    name: Name,
    adminEmail: Email,
    adminName: PersonName,
    timeZone: Type.Optional(TimeZone),
    region: Type.Optional(AgentRegion),
  },
  { additionalProperties: false },
);
export type CreateAgentInput = Static<typeof CreateAgentBody>;

export const CreatedAgentSchema = Type.Object({
  ...AgentViewSchema.properties,
  adminInvitation: Type.Object({
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  }),
});

export const UpdateAgentBody = Type.Object(
  {
    name: Type.Optional(Name),
    status: Type.Optional(AgentStatusSchema),
    timeZone: Type.Optional(TimeZone),
    region: Type.Optional(
      Type.Union([AgentRegion, Type.Null()], {
        description: "the default region of the agent's homes; null: back to the platform default",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAgentInput = Static<typeof UpdateAgentBody>;

export const AgentListQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 200, description: 'search: part of the name' })),
    status: Type.Optional(AgentStatusSchema),
  },
  { additionalProperties: false },
);
