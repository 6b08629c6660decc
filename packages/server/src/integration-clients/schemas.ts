import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';

export const AccessSchema = Type.Union([Type.Literal('read'), Type.Literal('read_write')], {
  description:
    "read: every GET of the agent's data (all its homes, no occupant details); read_write: also what an " +
    'editor writes (orders, homes, readings, alarms). Never users, invitations, audit, webhooks, gateways, ' +
    'tariffs, groups or integration clients (docs/permissions.md)',
});

export const IntegrationClientViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  clientId: Type.String({ format: 'uuid', description: 'the OAuth2 client_id (the same as id)' }),
  agentId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  access: AccessSchema,
  tokenUrl: Type.String({ description: 'where the client gets tokens (client_credentials grant)' }),
  secretIssuedAt: Type.String({ format: 'date-time', description: 'when the current secret was issued' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the client last got a token',
  }),
  createdBy: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'the admin who created it (the client stays when they leave)',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type IntegrationClientView = Static<typeof IntegrationClientViewSchema>;

/** Creation and rotation answer the secret once; only its hash is kept. */
export const IntegrationClientWithSecretSchema = Type.Object({
  ...IntegrationClientViewSchema.properties,
  clientSecret: Type.String({
    description: 'shown this once: the platform keeps only its hash. 32 random bytes, base64url',
  }),
});
export type IntegrationClientWithSecret = Static<typeof IntegrationClientWithSecretSchema>;

export const CreateIntegrationClientBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '\\S',
      description: 'what it is for ("Grafana", "nightly export"): unique within the agent',
    }),
    access: AccessSchema,
  },
  { additionalProperties: false },
);
export type CreateIntegrationClientInput = Static<typeof CreateIntegrationClientBody>;

export const IntegrationClientListQuery = Type.Object(
  { ...PageQuery, access: Type.Optional(AccessSchema) },
  { additionalProperties: false },
);
