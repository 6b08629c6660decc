import { type Static, Type } from 'typebox';
import { PageQuery } from '../http/paging.js';
import {
  InstallationSchema,
  OccupantSchema,
  PropertySchema,
  Reference,
  TECHNOLOGIES,
} from './description.js';
import { MeterStatusSchema } from './meter-status.js';

export const ChannelViewSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the id readings are sent for' }),
  key: Type.String(),
  quantity: Type.String(),
  unit: Type.String({ description: 'kWh, W, °C, l/min, m³ or %' }),
  kind: Type.Union([Type.Literal('register'), Type.Literal('instantaneous')]),
});

export const MeterViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  serial: Type.String(),
  kind: Type.String(),
  reading: Type.Object({
    method: Type.Union([Type.Literal('push'), Type.Literal('mqtt'), Type.Literal('poll')]),
    url: Type.Optional(Type.String()),
    intervalSeconds: Type.Integer({ description: 'expected seconds between readings' }),
  }),
  location: Type.Optional(Type.String()),
  measures: Type.Optional(Type.String()),
  channels: Type.Array(ChannelViewSchema),
  status: Type.Optional(MeterStatusSchema),
});
export type MeterView = Static<typeof MeterViewSchema>;

export const ProvisioningSummarySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  service: Type.String(),
  status: Type.String(),
});

/** The region whose series a home uses: its own (property.region), else its agent's, else the platform default. */
export const RegionInUseSchema = Type.Object(
  {
    name: Type.String({ description: 'the region, e.g. GB, north-wales (GET /regions)' }),
    source: Type.Union(
      [Type.Literal('home'), Type.Literal('agent_default'), Type.Literal('platform_default')],
      {
        description:
          "home: property.region; agent_default: the agent's region (PUT /agents/{id}); platform_default: HEARTH_DEFAULT_REGION",
      },
    ),
  },
  { description: 'the region whose weather (degree days) and carbon intensity series the home uses' },
);
export type RegionInUse = Static<typeof RegionInUseSchema>;

export const HomeViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  agentId: Type.String({ format: 'uuid' }),
  orderId: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('decommissioned')], {
    description: 'decommissioned: collection stopped, history still readable',
  }),
  property: PropertySchema,
  occupant: Type.Optional(
    Type.Union([OccupantSchema, Type.Null()], {
      description: 'shown to admins and editors; null once erased; absent for viewers',
    }),
  ),
  installation: InstallationSchema,
  region: RegionInUseSchema,
  groups: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() })),
  meters: Type.Array(MeterViewSchema),
  provisioning: Type.Array(ProvisioningSummarySchema),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  decommissionedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type HomeView = Static<typeof HomeViewSchema>;

export const HomeSummarySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('decommissioned')]),
  postcode: Type.Union([Type.String(), Type.Null()]),
  technology: Type.Union([Type.String(), Type.Null()]),
  town: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type HomeSummary = Static<typeof HomeSummarySchema>;

export const HomeListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('decommissioned')])),
    postcode: Type.Optional(
      Type.String({ maxLength: 16, description: 'postcode or its start (outward code)' }),
    ),
    technology: Type.Optional(Type.Union(TECHNOLOGIES.map((t) => Type.Literal(t)))),
    groupId: Type.Optional(Type.String({ format: 'uuid', description: 'homes of one home group' })),
    q: Type.Optional(
      Type.String({ maxLength: 100, description: 'search: part of the reference, postcode, town or street' }),
    ),
    hasActiveAlarms: Type.Optional(
      Type.Boolean({ description: 'true: homes with an active alarm; false: homes without one' }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateHomeBody = Type.Object(
  {
    reference: Type.Optional(Reference),
    property: Type.Optional(PropertySchema),
    occupant: Type.Optional(OccupantSchema),
    installation: Type.Optional(InstallationSchema),
    groupIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), { maxItems: 100, uniqueItems: true }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateHomeInput = Static<typeof UpdateHomeBody>;
