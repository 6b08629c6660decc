import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import { type CreateOrderInput, NotFoundError, UnprocessableEntityError } from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const order = (reference: string, overrides: Record<string, unknown> = {}) =>
  completeOrder(reference, overrides) as CreateOrderInput;

describe(`orders, homes, provisioning and home groups through the SDK (${dialect})`, () => {
  it('an admin orders a home, submits it, groups it, changes its services, erases the occupant, decommissions it', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const hearth = clientFor(server);
    await hearth.login(admin);

    const group = await hearth.homeGroups.create({ name: 'North Wales' });
    expect((await hearth.homeGroups.update(group.id, { name: 'Gwynedd' })).name).toBe('Gwynedd');
    expect((await hearth.homeGroups.list()).map((g) => g.id)).toEqual([group.id]);
    expect((await hearth.homeGroups.get(group.id)).name).toBe('Gwynedd');

    const reference = `REF-${unique()}`;
    const draft = await hearth.orders.create(order(reference));
    expect(draft).toMatchObject({ reference, status: 'draft' });
    expect((await hearth.orders.list({ status: 'draft' }).toArray()).map((o) => o.id)).toEqual([draft.id]);
    const replaced = await hearth.orders.update(
      draft.id,
      order(reference, { occupant: { name: 'Owen Occupant' } }),
    );
    expect(replaced.id).toBe(draft.id);
    expect((await hearth.orders.get(draft.id)).reference).toBe(reference);

    const submitted = await hearth.orders.submit(draft.id);
    expect(submitted.homeId).toBeTruthy();
    expect((await hearth.orders.submit(draft.id)).homeId).toBe(submitted.homeId);
    const homeId = submitted.homeId;

    expect((await hearth.homes.list().toArray()).map((h) => h.id)).toEqual([homeId]);
    expect((await hearth.homes.get(homeId)).id).toBe(homeId);
    expect((await hearth.homes.meters(homeId)).map((m) => m.kind).sort()).toEqual([
      'electricity_meter',
      'heat_meter',
      'temperature_sensor',
    ]);
    await hearth.homes.update(homeId, { groupIds: [group.id] });
    expect((await hearth.homes.list({ groupId: group.id }).toArray()).map((h) => h.id)).toEqual([homeId]);

    const services = await hearth.provisioning.list(homeId);
    const performance = services.find((s) => s.service === 'performance');
    if (!performance) throw new Error(`no performance service in ${JSON.stringify(services)}`);
    expect((await hearth.provisioning.get(homeId, performance.id)).service).toBe('performance');
    expect((await hearth.provisioning.update(homeId, performance.id, { status: 'suspended' })).status).toBe(
      'suspended',
    );
    await hearth.provisioning.remove(homeId, performance.id);
    await expect(hearth.provisioning.get(homeId, performance.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await hearth.provisioning.add(homeId, { service: 'performance' })).service).toBe('performance');

    await hearth.homes.eraseOccupant(homeId);
    await hearth.homes.decommission(homeId);
    expect((await hearth.homes.get(homeId)).status).not.toBe('active');

    await hearth.homeGroups.delete(group.id);
    expect(await hearth.homeGroups.list()).toEqual([]);
  });

  it('an incomplete order raises UnprocessableEntityError listing every problem; a draft can be cancelled', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const hearth = clientFor(server);
    await hearth.login(admin);
    const draft = await hearth.orders.create({ reference: `BARE-${unique()}` } as CreateOrderInput);
    const error = await hearth.orders.submit(draft.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityError);
    expect((error as UnprocessableEntityError).status).toBe(422);
    expect((error as UnprocessableEntityError).errors.length).toBeGreaterThan(1);

    await hearth.orders.cancel(draft.id);
    expect((await hearth.orders.list({ status: 'cancelled' }).toArray()).map((o) => o.id)).toEqual([
      draft.id,
    ]);
  });
});
