import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentHome } from '../../client/test/alarm-homes.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
} from '../../client/test/support.js';
import { dialect } from '../../server/test/harness/index.js';
import { timeout } from '../../server/test/harness/timeouts.js';
import { hearth, tempConfigDir } from './support.js';

/**
 * `hearth alarms …` and `hearth fault-rules …` against the real platform, on real alarms: two homes
 * whose meters went silent three hours ago raise `communication_lost` when judged.
 */
let server: LiveServer;
let config: { dir: string; remove(): void };
let run: (args: string[], input?: string) => ReturnType<typeof hearth>;
let homeA: string;
let homeB: string;
let groupId: string;
beforeAll(async () => {
  server = await startServer();
  const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
  const sdk = clientFor(server);
  await sdk.login(admin);
  homeA = await silentHome(sdk, 'CLA');
  homeB = await silentHome(sdk, 'CLB');
  groupId = (await sdk.homeGroups.create({ name: 'Alarm group' })).id;
  await sdk.homes.update(homeB, { groupIds: [groupId] });
  config = tempConfigDir();
  const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  run = (args, input) => hearth(args, env, input);
  expect((await run(['login', '--username', admin.username], `${admin.password}\n`)).code).toBe(0);
}, timeout(60_000));
afterAll(async () => {
  config?.remove();
  await server?.close();
});

interface ListedAlarm {
  id: string;
  homeId: string;
  rule: string;
  severity: string;
  state: string;
  acknowledged: boolean;
}

const listJson = async (...args: string[]): Promise<ListedAlarm[]> => {
  const result = await run(['alarms', 'list', '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ListedAlarm[];
};

describe(`hearth alarms and fault-rules (${dialect})`, () => {
  it('evaluate judges a home now and raises communication_lost', async () => {
    const judged = await run(['alarms', 'evaluate', homeA]);
    expect(judged.stderr).toBe('');
    expect(judged.code).toBe(0);
    expect(judged.stdout).toMatch(new RegExp(`^Judged home ${homeA} up to .*: \\d+ raised, \\d+ cleared`));
    const json = await run(['alarms', 'evaluate', homeB, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ homeId: homeB, steps: expect.any(Number) });
    expect((await listJson('--home', homeA)).map((a) => a.rule)).toContain('communication_lost');
  });

  it('list: a table, JSON, and the filters', async () => {
    const table = await run(['alarms', 'list']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+SEVERITY\s+STATE\s+HOME\s+RULE\s+RAISED\s+ACK\s+SUMMARY$/m);
    expect(table.stdout).toMatch(
      /\bmajor\s+active\s+CLA-\S+\s+communication_lost\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}Z\s+no\s+/,
    );

    const all = await listJson('--all');
    expect(new Set(all.map((a) => a.homeId))).toEqual(new Set([homeA, homeB]));
    expect((await listJson('--home', homeB)).every((a) => a.homeId === homeB)).toBe(true);
    expect(new Set((await listJson('--group', groupId)).map((a) => a.homeId))).toEqual(new Set([homeB]));
    expect((await listJson('--state', 'active', '--rule', 'communication_lost')).length).toBe(2);
    expect(await listJson('--state', 'cleared')).toEqual([]);
    expect(await listJson('--severity', 'critical,minor')).toEqual([]);
    expect((await listJson('--severity', 'major')).length).toBe(2);
    expect(await listJson('--since', new Date(Date.now() + 3_600_000).toISOString())).toEqual([]);
    expect((await listJson('--since', '2026-01-01', '--unacknowledged')).length).toBe(2);

    // One page by default, and a hint on stderr that there is more; --all follows the cursor.
    const page = await run(['alarms', 'list', '--limit', '1']);
    expect(page.code).toBe(0);
    expect(page.stderr).toMatch(/--all/);
    expect((await listJson('--limit', '1')).length).toBe(1);
    expect((await listJson('--limit', '1', '--all')).map((a) => a.id)).toEqual(all.map((a) => a.id));

    const badSeverity = await run(['alarms', 'list', '--severity', 'catastrophic']);
    expect(badSeverity.code).toBe(2);
    expect(badSeverity.stderr).toMatch(/^hearth: --severity takes/);
    const badState = await run(['alarms', 'list', '--state', 'open']);
    expect(badState.code).toBe(2);
    const badTime = await run(['alarms', 'list', '--since', 'yesterday']);
    expect(badTime.code).toBe(2);
    const unknownRule = await run(['alarms', 'list', '--rule', 'gremlins']);
    expect(unknownRule.code).toBe(1);
    expect(unknownRule.stderr).toMatch(/communication_lost/);
  });

  it('show, ack with a note, a stale --if-match (exit 1, its own message), note, clear', async () => {
    const [alarm] = await listJson('--home', homeA, '--state', 'active');
    if (!alarm) throw new Error('no alarm');
    const shown = await run(['alarms', 'show', alarm.id]);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^rule:\s+Meter not reporting \(communication_lost\)$/m);
    expect(shown.stdout).toMatch(/^Evidence: .*check the gateway/m);
    expect(shown.stdout).toMatch(/^silenceSeconds\s+\d+$/m);
    expect(shown.stdout).toMatch(/^History:\n.*AT\s+EVENT\s+BY\s+DETAIL\n.*raised\s+evaluator/m);
    const etag = /^etag:\s+(\S+)$/m.exec(shown.stdout)?.[1] ?? '';
    expect(etag).not.toBe('');

    const detail = JSON.parse((await run(['alarms', 'show', alarm.id, '--json'])).stdout);
    expect(detail).toMatchObject({ id: alarm.id, etag, history: [{ type: 'raised' }] });

    const acked = await run(['alarms', 'ack', alarm.id, '--note', 'engineer booked', '--if-match', etag]);
    expect(acked.stderr).toBe('');
    expect(acked.code).toBe(0);
    expect(acked.stdout).toMatch(new RegExp(`^Acknowledged alarm ${alarm.id} \\(communication_lost, CLA-`));

    const stale = await run(['alarms', 'note', alarm.id, 'overwrite', '--if-match', etag]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(
      new RegExp(
        `^hearth: alarm ${alarm.id} changed since you read it .*hearth alarms show ${alarm.id}.*\\(precondition_failed\\)`,
      ),
    );

    const noted = await run(['alarms', 'note', alarm.id, 'router replaced', '--json']);
    expect(noted.code).toBe(0);
    const after = JSON.parse(noted.stdout);
    expect(after).toMatchObject({ acknowledged: true, note: 'router replaced', state: 'active' });
    expect(after.history.map((h: { type: string }) => h.type)).toEqual([
      'raised',
      'acknowledged',
      'noted',
      'noted',
    ]);
    expect(await listJson('--unacknowledged', '--home', homeA)).toEqual([]);
    expect((await listJson('--acknowledged')).map((a) => a.id)).toEqual([alarm.id]);

    const cleared = await run(['alarms', 'clear', alarm.id, '--note', 'fixed on site']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^Cleared alarm/);
    const [gone] = await listJson('--state', 'cleared');
    expect(gone).toMatchObject({ id: alarm.id, state: 'cleared' });
    expect(JSON.parse((await run(['alarms', 'show', alarm.id, '--json'])).stdout)).toMatchObject({
      clearedBy: 'user',
      note: 'fixed on site',
    });

    const notUuid = await run(['alarms', 'show', 'nope']);
    expect(notUuid.code).toBe(2);
    expect(notUuid.stderr).toMatch(/^hearth: nope is not an alarm id/);
    const missing = await run(['alarms', 'ack', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(4);
    const both = await run(['alarms', 'note', alarm.id, 'text', '--remove']);
    expect(both.code).toBe(2);
  });

  it('fault-rules: the table, set merges behind the ETag, enabled=0, default, --json', async () => {
    const table = await run(['fault-rules']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^RULE\s+SEVERITY\s+ENABLED\s+PARAMETER\s+VALUE\s+DEFAULT\s+UNIT$/m);
    expect(table.stdout).toMatch(/^communication_lost\s+major\s+yes\s+lostIntervals\s+12\s+12\s+intervals$/m);

    const set = await run([
      'fault-rules',
      'set',
      'communication_lost.lostIntervals=30',
      'stuck_sensor.enabled=0',
    ]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Set communication_lost\.lostIntervals=30, stuck_sensor\.enabled=0\.$/m);
    expect(set.stdout).toMatch(
      /^communication_lost\s+major\s+yes\s+lostIntervals\s+30 \*\s+12\s+intervals$/m,
    );
    expect(set.stdout).toMatch(/^stuck_sensor\s+minor\s+no\s+/m);

    // A second set keeps the first one's values (read, merge, write).
    const more = await run(['fault-rules', 'set', 'low_performance.minSpf=2.3', '--json']);
    expect(more.code).toBe(0);
    const catalogue = JSON.parse(more.stdout);
    expect(catalogue.thresholds).toEqual({
      'communication_lost.lostIntervals': 30,
      'stuck_sensor.enabled': 0,
      'low_performance.minSpf': 2.3,
    });
    expect(catalogue.etag).toEqual(expect.any(String));

    const reset = await run([
      'fault-rules',
      'set',
      'communication_lost.lostIntervals=default',
      'stuck_sensor.enabled=1',
    ]);
    expect(reset.code).toBe(0);
    const shown = JSON.parse((await run(['fault-rules', 'show', '--json'])).stdout);
    expect(shown.thresholds).toEqual({ 'low_performance.minSpf': 2.3 });
    expect(shown.rules.find((r: { id: string }) => r.id === 'stuck_sensor').enabled).toBe(true);

    for (const [args, message] of [
      [['gremlins.count=1'], /there is no rule gremlins; the rules: .*communication_lost/],
      [
        ['communication_lost.patience=3'],
        /rule communication_lost has no parameter patience; its parameters: enabled, lateIntervals/,
      ],
      [['communication_lost.lostIntervals'], /is not <rule>\.<parameter>=<value>/],
      [['communication_lost.lostIntervals=lots'], /must be a number/],
      [['stuck_sensor.enabled=2'], /takes 0 \(off\) or 1 \(on\)/],
    ] as const) {
      const bad = await run(['fault-rules', 'set', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
    // Out of range: the server says so (exit 1), nothing changes.
    const range = await run(['fault-rules', 'set', 'communication_lost.lostIntervals=1']);
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/validation_failed/);
    expect(JSON.parse((await run(['fault-rules', '--json'])).stdout).thresholds).toEqual({
      'low_performance.minSpf': 2.3,
    });
  });

  it('--help for each command', async () => {
    for (const args of [
      ['alarms'],
      ['alarms', 'list'],
      ['alarms', 'show'],
      ['alarms', 'ack'],
      ['alarms', 'clear'],
      ['alarms', 'note'],
      ['alarms', 'evaluate'],
      ['fault-rules'],
      ['fault-rules', 'set'],
    ]) {
      const result = await hearth([...args, '--help'], {});
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: hearth/);
    }
  });
});
