import { type Static, Type } from 'typebox';
import { Email, PersonName } from '../agents/index.js';
import { PageQuery } from '../http/paging.js';

export const AgentRoleSchema = Type.Union(
  [Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')],
  {
    description:
      'admin: manages users, orders and faults; editor: works with orders and homes; viewer: reads',
  },
);

export const InvitationStatusSchema = Type.Union(
  [Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('expired'), Type.Literal('revoked')],
  { description: 'pending until accepted, revoked or past expiresAt' },
);

export const MailDeliverySchema = Type.Object(
  {
    status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { description: 'delivery state of the invitation email: retried with backoff until sent' },
);

export const InvitationViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: AgentRoleSchema,
  status: InvitationStatusSchema,
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  acceptedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  delivery: Type.Union([MailDeliverySchema, Type.Null()]),
});
export type InvitationView = Static<typeof InvitationViewSchema>;

export const CreateInvitationBody = Type.Object(
  {
    email: Email,
    role: AgentRoleSchema,
    name: Type.Optional(PersonName),
    agentId: Type.Optional(
      Type.String({ format: 'uuid', description: "the operator names the agent; an admin's is their own" }),
    ),
  },
  { additionalProperties: false },
);
export type CreateInvitationInput = Static<typeof CreateInvitationBody>;

export const InvitationListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(InvitationStatusSchema),
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: one agent' })),
  },
  { additionalProperties: false },
);

export const Username = Type.String({
  pattern: '^[A-Za-z0-9._@-]{3,64}$',
  description: '3-64 letters, digits, . _ @ -; unique on the platform, case-insensitive',
});

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 100, description: 'the invitation token from the email' }),
    username: Username,
    password: Type.String({
      minLength: 1,
      maxLength: 256,
      description: '12 or more characters, not a common one',
    }),
    name: PersonName,
  },
  { additionalProperties: false },
);
export type AcceptInvitationInput = Static<typeof AcceptInvitationBody>;
