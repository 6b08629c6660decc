import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import {
  type CreateOrderInput,
  type FleetQuery,
  type HearthClient,
  InvalidRequestError,
} from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

let server: LiveServer;
let admin: HearthClient;
const homes: string[] = [];
beforeAll(async () => {
  server = await startServer();
  const { admin: login } = await createAgentWithAdmin(server, await operatorClient(server));
  admin = clientFor(server);
  await admin.login(login);
  for (const reference of ['FLEET-SDK-1', 'FLEET-SDK-2']) {
    const order = await admin.orders.create(completeOrder(`${reference}-${unique()}`) as CreateOrderInput);
    homes.push((await admin.orders.submit(order.id)).homeId);
  }
});
afterAll(async () => server.close());

describe(`client.fleet (${dialect})`, () => {
  it('pages the fleet table with filters, counts, facets and the SPF window', async () => {
    const query: FleetQuery = {
      connection: ['never_seen', 'offline'],
      sort: 'reference',
      order: 'desc',
      limit: 1,
    };
    const first = await admin.fleet.page(query);
    expect(first.total).toBe(2);
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({
      id: homes[1],
      connection: 'never_seen',
      manufacturer: 'Vaillant',
      alarms: { total: 0 },
      spf: { value: null },
    });
    expect(first.counts).toEqual({ online: 0, late: 0, offline: 0, never_seen: 2, decommissioned: 0 });
    expect(first.facets.manufacturers).toEqual([{ manufacturer: 'Vaillant', models: ['aroTHERM plus 7kW'] }]);
    expect(Date.parse(first.window.to) - Date.parse(first.window.from)).toBe(30 * 86_400_000);
    const second = await admin.fleet.page({ ...query, cursor: first.nextCursor as string });
    expect(second.items.map((r) => r.id)).toEqual([homes[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await admin.fleet.page({ connection: 'online' })).items).toEqual([]);
  });

  it('a bad parameter is InvalidRequestError naming it', async () => {
    const error = await admin.fleet
      .page({ sort: 'price' as FleetQuery['sort'] })
      .catch((e: unknown) => e as InvalidRequestError);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(JSON.stringify((error as InvalidRequestError).errors)).toContain('/query/sort');
  });
});
