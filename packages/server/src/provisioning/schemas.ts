import { type Static, Type } from 'typebox';
import { Email } from '../agents/index.js';
import { Id } from '../http/schemas.js';

export const ServiceName = Type.Union(
  [
    Type.Literal('amr'),
    Type.Literal('insight'),
    Type.Literal('performance'),
    Type.Literal('fault_management'),
  ],
  { description: 'amr: automated meter reading; the others work on its telemetry' },
);

export const ProvisioningStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended'), Type.Literal('failed')],
  { description: 'pending until the service takes it up; suspended by a user; failed when it cannot run' },
);

export const ProvisioningSettings = Type.Object(
  {
    intervalSeconds: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 86_400, description: 'amr: reading interval, s' }),
    ),
    recipients: Type.Optional(
      Type.Array(Email, { maxItems: 20, description: 'fault_management: who is told' }),
    ),
    thresholds: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9_.]{0,63}$' }), Type.Number(), {
        // A key outside the pattern is refused, not stored unseen (responses show only matching keys).
        additionalProperties: false,
        description: 'fault_management: rule thresholds overriding the defaults, by rule.parameter',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ProvisioningSettingsInput = Static<typeof ProvisioningSettings>;

export const ProvisioningViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  homeId: Type.String({ format: 'uuid' }),
  service: ServiceName,
  status: ProvisioningStatus,
  revision: Type.Integer({ description: 'increases with every change' }),
  settings: ProvisioningSettings,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type ProvisioningView = Static<typeof ProvisioningViewSchema>;

export const CreateProvisioningBody = Type.Object(
  { service: ServiceName, settings: Type.Optional(ProvisioningSettings) },
  { additionalProperties: false },
);

export const UpdateProvisioningBody = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('suspended')], { description: 'suspend or resume' }),
    ),
    settings: Type.Optional(ProvisioningSettings),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const HomeProvisioningParams = Type.Object({
  id: Id('the home'),
  provisioningId: Id('the definition'),
});

/** The services an order asks to provision, as its document states them. */
export const ServicesSchema = Type.Object(
  {
    amr: Type.Optional(
      Type.Object(
        {
          intervalSeconds: Type.Optional(
            Type.Integer({ minimum: 10, maximum: 86_400, description: 'default reading interval, s' }),
          ),
        },
        { additionalProperties: false, description: 'Automated Meter Reading: collect telemetry' },
      ),
    ),
    insight: Type.Optional(
      Type.Object({}, { additionalProperties: false, description: 'energy, cost and carbon' }),
    ),
    performance: Type.Optional(
      Type.Object({}, { additionalProperties: false, description: 'COP, SPF against design' }),
    ),
    fault_management: Type.Optional(
      Type.Object(
        {
          recipients: Type.Optional(
            Type.Array(Email, { maxItems: 20, description: 'who is told about alarms' }),
          ),
        },
        { additionalProperties: false, description: 'rules over telemetry, alarms' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ServicesSpec = Static<typeof ServicesSchema>;
