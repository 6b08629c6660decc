import { HearthClient as Client, type HearthClient, type Meter } from '@hearth/client';
import type { ChannelKey, HomeSpec, MeterRole } from '../types.js';
import { type OrderOptions, orderFor, serialOf } from './order.js';

/** A simulated home as the platform knows it: its id, channel ids and the simulation's start. */
export interface ProvisionedHome {
  spec: HomeSpec;
  homeId: string;
  /** epoch ms: midnight UTC of the order's commissioning date, where the simulation begins */
  start: number;
  /** channel id by `${meter role}/${channel key}` */
  channels: Map<string, string>;
  /** whether this call created the order (false: found from an earlier run) */
  created: boolean;
}

export const channelSlot = (meter: MeterRole, channel: ChannelKey): string => `${meter}/${channel}`;

/**
 * Finds the home of `spec.reference` or creates it through a New Installation order, exactly as an
 * agent would: POST /orders, POST /orders/{id}/submission. Safe to call again: an order already
 * submitted is reused (its commissioning date, not `options`', fixes the simulation's start), a
 * draft left by an interrupted run is submitted.
 */
export async function provisionHome(
  admin: HearthClient,
  spec: HomeSpec,
  options: OrderOptions,
): Promise<ProvisionedHome> {
  let created = false;
  let order = (await admin.orders.list({ q: spec.reference }).toArray()).find(
    (o) => o.reference === spec.reference && o.status !== 'cancelled',
  );
  if (!order) {
    order = await admin.orders.create(orderFor(spec, options));
    created = true;
  }
  let homeId = order.homeId;
  if (order.status === 'draft' || !homeId) homeId = (await admin.orders.submit(order.id)).homeId;
  const commissioning = order.installation?.commissioningDate ?? options.commissioningDate;
  const meters = await admin.homes.meters(homeId);
  return {
    spec,
    homeId,
    start: Date.parse(`${commissioning}T00:00:00Z`),
    channels: channelMap(spec, meters),
    created,
  };
}

/** Maps each simulated (meter, channel) to the platform's channel id through the meters' serials. */
function channelMap(spec: HomeSpec, meters: Meter[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const role of spec.meters) {
    const meter = meters.find((m) => m.serial === serialOf(spec.reference, role));
    if (!meter)
      throw new Error(`${spec.reference}: the platform has no meter ${serialOf(spec.reference, role)}`);
    for (const channel of meter.channels) map.set(channelSlot(role, channel.key as ChannelKey), channel.id);
  }
  return map;
}

/** The gateway's credentials: a new secret each run (the previous one stops working). */
export async function gatewayCredentials(
  admin: HearthClient,
  homeId: string,
): Promise<{ clientId: string; clientSecret: string }> {
  const issued = await admin.gateways.issueSecret(homeId);
  return { clientId: issued.clientId, clientSecret: issued.clientSecret };
}

/** A client logged in as the home's gateway, the way a real gateway pushes. */
export async function gatewayClient(
  baseUrl: string,
  credentials: { clientId: string; clientSecret: string },
): Promise<HearthClient> {
  const client = new Client({ baseUrl, maxRetries: 4 });
  await client.loginWithClientCredentials(credentials);
  return client;
}
