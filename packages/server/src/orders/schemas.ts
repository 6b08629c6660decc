import { type Static, Type } from 'typebox';
import {
  InstallationSchema,
  MeterSpecSchema,
  OccupantSchema,
  PropertySchema,
  Reference,
} from '../homes/index.js';
import { PageQuery } from '../http/paging.js';
import { ServicesSchema } from '../provisioning/index.js';

/**
 * A New Installation monitoring order, as the seed calls it: the home it describes (homes'
 * description.ts) and the services to provision. A draft may be incomplete (types and formats are
 * checked on every write: 400); submission checks that it is complete and consistent (422, every
 * problem listed by field path).
 */

const orderFields = {
  property: Type.Optional(PropertySchema),
  occupant: Type.Optional(OccupantSchema),
  installation: Type.Optional(InstallationSchema),
  meters: Type.Optional(Type.Array(MeterSpecSchema, { maxItems: 32 })),
  services: Type.Optional(ServicesSchema),
};

export const CreateOrderBody = Type.Object(
  { reference: Reference, ...orderFields },
  { additionalProperties: false },
);
export type OrderDocument = Static<typeof CreateOrderBody>;

/** PUT replaces the draft's document as a whole (what you send is what the draft becomes). */
export const UpdateOrderBody = CreateOrderBody;

export const OrderViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('draft'), Type.Literal('provisioned'), Type.Literal('cancelled')]),
  homeId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  reference: Reference,
  ...orderFields,
});
export type OrderView = Static<typeof OrderViewSchema>;

export const OrderListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(
      Type.Union([Type.Literal('draft'), Type.Literal('provisioned'), Type.Literal('cancelled')]),
    ),
    q: Type.Optional(
      Type.String({ maxLength: 64, description: 'search: part of the reference or postcode' }),
    ),
  },
  { additionalProperties: false },
);

export const SubmissionResultSchema = Type.Object({
  order: OrderViewSchema,
  homeId: Type.String({ format: 'uuid', description: 'the home the submission created' }),
  home: Type.String({ description: 'link to the home' }),
});
