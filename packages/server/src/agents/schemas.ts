import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';

export const AgentStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('suspended')], {
  description: "suspended: every call by the agent's users is refused with 403 until reactivated",
});

export const AgentViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: AgentStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type AgentView = Static<typeof AgentViewSchema>;

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'company name' });
export const Email = Type.String({ format: 'email', maxLength: 254, description: 'an email address' });
export const PersonName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "a person's name",
});

export const CreateAgentBody = Type.Object(
  { name: Name, adminEmail: Email, adminName: PersonName },
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
  { name: Type.Optional(Name), status: Type.Optional(AgentStatusSchema) },
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
