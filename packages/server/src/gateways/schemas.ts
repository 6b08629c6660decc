import { type Static, Type } from 'typebox';

export const GatewayStatus = Type.Union(
  [Type.Literal('no_secret'), Type.Literal('active'), Type.Literal('revoked')],
  {
    description:
      'no_secret until one is issued; active: the gateway can get tokens and log in to MQTT; revoked: it cannot until a new secret',
  },
);

export const GatewayViewSchema = Type.Object({
  clientId: Type.String({ format: 'uuid', description: 'the OAuth2 client_id, also the MQTT username' }),
  homeId: Type.String({ format: 'uuid' }),
  status: GatewayStatus,
  secretIssuedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the gateway last got a token',
  }),
  tokenUrl: Type.String({ description: 'where the gateway gets tokens (client_credentials grant)' }),
  mqtt: Type.Object({
    username: Type.String({ description: 'the client id' }),
    topic: Type.String({ description: 'where the gateway publishes readings' }),
    resultsTopic: Type.String({ description: 'where the platform answers what it stored or refused' }),
  }),
});
export type GatewayView = Static<typeof GatewayViewSchema>;

export const GatewaySecretSchema = Type.Object({
  ...GatewayViewSchema.properties,
  clientSecret: Type.String({
    description: 'shown this once: the platform keeps only its hash. 32 random bytes, base64url',
  }),
});
export type GatewaySecretView = Static<typeof GatewaySecretSchema>;
