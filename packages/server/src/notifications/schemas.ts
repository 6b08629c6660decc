import { type Static, Type } from 'typebox';
import { Email } from '../agents/index.js';
import { filterFields, filterView } from '../faults/index.js';
import { PageQuery } from '../http/paging.js';

const AgentIdField = Type.String({
  format: 'uuid',
  description: "the operator names the agent; an admin's is their own",
});
export const ModeSchema = Type.Union([Type.Literal('immediate'), Type.Literal('digest')], {
  description: 'immediate: one email per event; digest: one email a day listing the events',
});

export const SubscriptionViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  email: Type.String(),
  mode: ModeSchema,
  ...filterView,
  lastDigestAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description:
      'digest mode: the last digest time passed (at first, the creation); the next digest lists the events since',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type SubscriptionView = Static<typeof SubscriptionViewSchema>;

export const CreateSubscriptionBody = Type.Object(
  {
    email: Email,
    mode: ModeSchema,
    events: Type.Optional(filterFields.events),
    severities: Type.Optional(filterFields.severities),
    groupIds: Type.Optional(filterFields.groupIds),
    agentId: Type.Optional(AgentIdField),
  },
  { additionalProperties: false },
);
export type CreateSubscriptionInput = Static<typeof CreateSubscriptionBody>;

export const UpdateSubscriptionBody = Type.Object(
  {
    email: Type.Optional(Email),
    mode: Type.Optional(ModeSchema),
    events: Type.Optional(filterFields.events),
    severities: Type.Optional(filterFields.severities),
    groupIds: Type.Optional(filterFields.groupIds),
  },
  { additionalProperties: false },
);
export type UpdateSubscriptionInput = Static<typeof UpdateSubscriptionBody>;

export const SubscriptionListQuery = Type.Object(
  {
    ...PageQuery,
    mode: Type.Optional(ModeSchema),
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: one agent' })),
  },
  { additionalProperties: false },
);
