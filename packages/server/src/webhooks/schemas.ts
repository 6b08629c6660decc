import { type Static, Type } from 'typebox';
import { filterFields, filterView } from '../faults/index.js';
import { PageQuery } from '../http/paging.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'where deliveries are POSTed: https (http and private hosts only where HEARTH_WEBHOOKS_ALLOW_PRIVATE allows)',
});
const Description = Type.String({ maxLength: 200, description: 'a note for people: what receives it' });
export const WebhookStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('disabled')], {
  description: 'disabled: nothing is sent (pending deliveries wait); set active to resume',
});

export const WebhookViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  ...filterView,
  status: WebhookStatusSchema,
  disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  disabledReason: Type.Union([Type.String(), Type.Null()], {
    description: 'why it was disabled: by whom, or the failures that disabled it automatically',
  }),
  consecutiveFailures: Type.Integer({ description: 'failed attempts since the last successful one' }),
  failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'the first failed attempt of the current run of failures',
  }),
  lastSuccessAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type WebhookView = Static<typeof WebhookViewSchema>;

/** Creation and rotation answer the secret once; it is never shown again. */
export const WebhookWithSecretSchema = Type.Object({
  ...WebhookViewSchema.properties,
  secret: Type.String({ description: 'the signing secret: shown only now, keep it safe' }),
});
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>;

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Description),
    events: Type.Optional(filterFields.events),
    severities: Type.Optional(filterFields.severities),
    groupIds: Type.Optional(filterFields.groupIds),
    agentId: Type.Optional(
      Type.String({ format: 'uuid', description: "the operator names the agent; an admin's is their own" }),
    ),
  },
  { additionalProperties: false },
);
export type CreateWebhookInput = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    events: Type.Optional(filterFields.events),
    severities: Type.Optional(filterFields.severities),
    groupIds: Type.Optional(filterFields.groupIds),
    status: Type.Optional(WebhookStatusSchema),
  },
  { additionalProperties: false },
);
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>;

export const WebhookListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(WebhookStatusSchema),
    agentId: Type.Optional(Type.String({ format: 'uuid', description: 'operator: one agent' })),
  },
  { additionalProperties: false },
);

export const DeliveryStatusSchema = Type.Union(
  [Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')],
  { description: 'pending: queued or being retried; delivered: a 2xx answer; failed: given up' },
);

export const DeliveryViewSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'also sent as the Hearth-Delivery header' }),
  webhookId: Type.String({ format: 'uuid' }),
  homeId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null for a ping' }),
  eventId: Type.String({ format: 'uuid' }),
  eventType: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  lastStatus: Type.Union([Type.Integer(), Type.Null()], {
    description: "the receiver's HTTP status at the last attempt; null: no answer",
  }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when pending: the next attempt (it waits while the webhook is disabled)',
  }),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  payload: Type.Unknown({ description: 'the JSON body every attempt sends' }),
});
export type DeliveryView = Static<typeof DeliveryViewSchema>;

export const DeliveryListQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(DeliveryStatusSchema) },
  { additionalProperties: false },
);
