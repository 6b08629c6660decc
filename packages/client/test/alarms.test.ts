import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import {
  type HearthClient,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from '../src/index.js';
import { silentHome as makeSilentHome } from './alarm-homes.js';
import { clientFor, createAgentWithAdmin, type LiveServer, operatorClient, startServer } from './support.js';

/**
 * Alarms and fault rules through the SDK against the real platform, on real alarms: homes whose
 * meters went silent three hours ago, judged now, raise `communication_lost` (alarm-homes.ts).
 */
let server: LiveServer;
let admin: HearthClient;
let agentId: string;
let silentHome: string;
let quietHome: string;
beforeAll(async () => {
  server = await startServer();
  const created = await createAgentWithAdmin(server, await operatorClient(server));
  agentId = created.agentId;
  admin = clientFor(server);
  await admin.login(created.admin);
  silentHome = await makeSilentHome(admin, 'ALM');
  quietHome = await makeSilentHome(admin, 'ALQ');
}, timeout(60_000));
afterAll(async () => server.close());

describe(`client.alarms and client.faultRules (${dialect})`, () => {
  it('judges a silent home now and raises communication_lost', async () => {
    const outcome = await admin.alarms.evaluate(silentHome);
    expect(outcome).toMatchObject({ homeId: silentHome });
    expect(outcome.steps).toBeGreaterThan(0);
    // The background evaluator may have judged it first; either way the alarm is there now.
    const alarms = await admin.alarms.forHome(silentHome).toArray();
    expect(alarms.map((a) => a.rule)).toContain('communication_lost');
    const again = await admin.alarms.evaluate(silentHome);
    expect(again.raised).toBe(0);
  });

  it('lists with filters, one page or every page, newest first', async () => {
    await admin.alarms.evaluate(quietHome);
    const all = await admin.alarms.list().toArray();
    expect(new Set(all.map((a) => a.homeId))).toEqual(new Set([silentHome, quietHome]));
    expect(all.every((a) => a.agentId === agentId)).toBe(true);

    const active = await admin.alarms.list({ state: 'active', rule: ['communication_lost'] }).toArray();
    expect(active.length).toBe(2);
    expect(active.every((a) => a.state === 'active' && a.rule === 'communication_lost')).toBe(true);
    expect(await admin.alarms.list({ state: 'cleared' }).toArray()).toEqual([]);
    expect(await admin.alarms.list({ severity: ['critical', 'minor'] }).toArray()).toEqual([]);
    expect((await admin.alarms.list({ severity: 'major,warning' }).toArray()).length).toBe(2);
    expect((await admin.alarms.list({ homeId: silentHome }).toArray()).map((a) => a.homeId)).toEqual([
      silentHome,
    ]);
    expect(await admin.alarms.list({ from: new Date(Date.now() + 3_600_000) }).toArray()).toEqual([]);

    const first = await admin.alarms.listPage({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await admin.alarms.listPage({ limit: 1, cursor: first.nextCursor ?? '' });
    expect([...first.items, ...rest.items].map((a) => a.id)).toEqual(all.map((a) => a.id));
    // The iterator follows the cursor page by page.
    const pages: number[] = [];
    for await (const page of admin.alarms.list({ limit: 1 }).pages()) pages.push(page.items.length);
    expect(pages.reduce((n, m) => n + m, 0)).toBe(all.length);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const asc = await admin.alarms.list({ order: 'asc' }).toArray();
    expect(asc.map((a) => a.id)).toEqual([...all.map((a) => a.id)].reverse());

    await expect(admin.alarms.list({ rule: 'gremlins' }).toArray()).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('reads an alarm with its history and ETag; acknowledges with a note; refuses a stale ETag', async () => {
    const [listed] = await admin.alarms.forHome(silentHome, { state: 'active' }).toArray();
    if (!listed) throw new Error('no alarm');
    const read = await admin.alarms.get(listed.id);
    expect(read.alarm).toMatchObject({ id: listed.id, rule: 'communication_lost', acknowledged: false });
    expect(read.alarm.history.map((h) => h.type)).toEqual(['raised']);
    expect(read.alarm.evidence?.values).toBeTypeOf('object');
    expect(read.etag).toEqual(expect.any(String));

    const acked = await admin.alarms.acknowledge(listed.id, 'gateway unplugged', { ifMatch: read.etag });
    expect(acked.alarm).toMatchObject({ acknowledged: true, note: 'gateway unplugged', state: 'active' });
    expect(acked.alarm.history.map((h) => h.type)).toEqual(['raised', 'acknowledged', 'noted']);
    expect(acked.etag).not.toBe(read.etag);

    const stale = admin.alarms.update(listed.id, { note: 'overwrite' }, { ifMatch: read.etag });
    await expect(stale).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(stale).rejects.toMatchObject({ status: 412, code: 'precondition_failed' });
    expect((await admin.alarms.get(listed.id)).alarm.note).toBe('gateway unplugged');

    const unacked = await admin.alarms.list({ acknowledged: false }).toArray();
    expect(unacked.map((a) => a.id)).not.toContain(listed.id);

    await expect(admin.alarms.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('clears an alarm by hand, with a note', async () => {
    const [listed] = await admin.alarms.forHome(quietHome, { state: 'active' }).toArray();
    if (!listed) throw new Error('no alarm');
    const { etag } = await admin.alarms.get(listed.id);
    const cleared = await admin.alarms.clear(listed.id, 'meters unplugged for works', { ifMatch: etag });
    expect(cleared.alarm).toMatchObject({
      state: 'cleared',
      clearedBy: 'user',
      note: 'meters unplugged for works',
    });
    expect(await admin.alarms.forHome(quietHome, { state: 'active' }).toArray()).toEqual([]);
    expect((await admin.alarms.list({ state: 'cleared' }).toArray()).map((a) => a.id)).toEqual([listed.id]);
  });

  it('reads the rule catalogue and replaces the agent’s thresholds behind its ETag', async () => {
    const { catalogue, etag } = await admin.faultRules.get();
    expect(catalogue.agentId).toBe(agentId);
    expect(catalogue.thresholds).toEqual({});
    const lost = catalogue.rules.find((r) => r.id === 'communication_lost');
    expect(lost?.parameters.lostIntervals).toMatchObject({ default: 12, value: 12, unit: 'intervals' });

    const put = await admin.faultRules.put(
      { ...catalogue.thresholds, 'communication_lost.lostIntervals': 30, 'stuck_sensor.enabled': 0 },
      { ifMatch: etag },
    );
    expect(put.catalogue.thresholds).toEqual({
      'communication_lost.lostIntervals': 30,
      'stuck_sensor.enabled': 0,
    });
    expect(
      put.catalogue.rules.find((r) => r.id === 'communication_lost')?.parameters.lostIntervals?.value,
    ).toBe(30);
    expect(put.catalogue.rules.find((r) => r.id === 'stuck_sensor')?.enabled).toBe(false);
    expect(put.etag).not.toBe(etag);

    await expect(admin.faultRules.put({}, { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(admin.faultRules.put({ 'gremlins.count': 1 })).rejects.toBeInstanceOf(InvalidRequestError);
    expect((await admin.faultRules.get()).catalogue.thresholds).toEqual(put.catalogue.thresholds);

    // The operator names the agent.
    const operator = await operatorClient(server);
    const seen = await operator.faultRules.get(agentId);
    expect(seen.catalogue.thresholds).toEqual(put.catalogue.thresholds);
    const reset = await operator.faultRules.put({}, { agentId, ifMatch: seen.etag });
    expect(reset.catalogue).toMatchObject({ agentId, thresholds: {} });
    expect((await operator.alarms.list({ agentId }).toArray()).length).toBe(2);
  });
});
