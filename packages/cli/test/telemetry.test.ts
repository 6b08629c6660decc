import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CreateOrderInput, HearthClient } from '@hearth/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from '../../client/test/support.js';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import { runCli } from '../src/cli.js';
import { hearth, tempConfigDir } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Whole hours two days back: inside the fixture home's history (commissioned 2026-10-01), never ahead. */
const base = Math.floor((Date.now() - 2 * 24 * HOUR) / HOUR) * HOUR;
const iso = (t: number) => new Date(t).toISOString();

let server: LiveServer;
let sdk: HearthClient;
let config: ReturnType<typeof tempConfigDir>;
let env: Record<string, string>;
const run = (args: string[], input?: string) => hearth(args, env, input);

beforeAll(async () => {
  server = await startServer();
  const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
  sdk = clientFor(server);
  await sdk.login(admin);
  config = tempConfigDir();
  env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  const login = await hearth(['login', '--username', admin.username], {
    ...env,
    HEARTH_PASSWORD: admin.password,
  });
  expect(login.code).toBe(0);
});
afterAll(async () => {
  config?.remove();
  await server.close();
});

/** A submitted home and its channels by key. */
async function home(): Promise<{ homeId: string; channel: (key: string) => { id: string; unit: string } }> {
  const order = await sdk.orders.create(completeOrder(`CLI-TEL-${unique()}`) as CreateOrderInput);
  const { homeId } = await sdk.orders.submit(order.id);
  const channels = (await sdk.homes.meters(homeId)).flatMap((m) => m.channels);
  return {
    homeId,
    channel: (key) => {
      const found = channels.find((c) => c.key === key);
      if (!found) throw new Error(`no channel ${key}`);
      return found;
    },
  };
}

const file = (name: string, text: string) => {
  const target = path.join(config.dir, name);
  writeFileSync(target, text);
  return target;
};

describe(`hearth telemetry import and export (${dialect})`, () => {
  it('imports a CSV, reporting refused and malformed rows by line; the export reads back what was stored and re-imports as duplicates', async () => {
    const { homeId, channel } = await home();
    const flow = channel('flow_temperature');
    const power = channel('heat_power');
    const unknown = randomUUID();
    // Columns in another order than an export's, an extra column, quoting, CRLF and LF, a blank line.
    const lines = [
      'time,value,note,channelId', // 1
      `${iso(base)},40.5,first,${flow.id}`, // 2
      `${iso(base + MINUTE)},41,"with, a comma",${flow.id}`, // 3
      `${iso(base)},1,unknown channel,${unknown}`, // 4: refused unknown_channel
      `${iso(base + 2 * MINUTE)},abc,bad number,${flow.id}`, // 5: malformed, not sent
      '', // 6: blank
      `${iso(Date.now() + 24 * HOUR)},42,future,${flow.id}`, // 7: refused time_in_future
      `${iso(base)},1500,,${power.id}`, // 8
      `${iso(base + MINUTE)},,no value,${power.id}`, // 9: malformed (missing value)
      `${iso(base)},40.5,"a re-sent row",${flow.id}`, // 10: duplicate of line 2
      `${iso(base)},39,"another value, same time",${flow.id}`, // 11: refused conflicting_value
      `${iso(base + 2 * MINUTE)},1.6e3,exponent,${power.id}`, // 12
      `2020-01-01T00:00:00Z,1,before the home,${power.id}`, // 13: refused before_channel
    ];
    const csv = file('readings.csv', `${lines.slice(0, 6).join('\r\n')}\r\n${lines.slice(6).join('\n')}\n`);

    // Batches of 3: refusals in the later batches still come back as the file's line numbers.
    const seen = server.requests.length;
    const imported = await run(['telemetry', 'import', csv, '--batch', '3']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(5);
    expect(imported.stdout.split('\n')).toEqual([
      `line 4: refused (unknown_channel): No such channel [channel ${unknown}]`,
      'line 5: not sent (malformed): value "abc" is not a number',
      `line 7: refused (time_in_future): time is more than 5 minutes ahead of the server clock [channel ${flow.id}]`,
      'line 9: not sent (malformed): value is missing',
      expect.stringMatching(
        /^line 11: refused \(conflicting_value\): A different value is already stored.* \[channel /,
      ),
      expect.stringMatching(/^line 13: refused \(before_channel\): time is before the channel existed/),
      `Read 11 rows from ${csv}: 4 stored, 1 duplicate, 4 refused, 2 not sent (malformed).`,
      '',
    ]);
    expect(server.seenSince(seen).filter((r) => r.startsWith('POST /api/v/1/telemetry'))).toEqual([
      'POST /api/v/1/telemetry 200',
      'POST /api/v/1/telemetry 200',
      'POST /api/v/1/telemetry 200',
    ]);

    // The export: the server's CSV, whole, in a file (no partial file left beside it).
    const range = ['--from', iso(base), '--to', iso(base + HOUR)];
    const out = path.join(config.dir, 'export.csv');
    const exported = await run(['telemetry', 'export', homeId, ...range, '--out', out]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(`Wrote 4 readings to ${out}.\n`);
    const expected = [
      'channelId,key,unit,time,value',
      `${flow.id},flow_temperature,°C,${iso(base)},40.5`,
      `${flow.id},flow_temperature,°C,${iso(base + MINUTE)},41`,
      `${power.id},heat_power,W,${iso(base)},1500`,
      `${power.id},heat_power,W,${iso(base + 2 * MINUTE)},1600`,
      '',
    ].join('\r\n');
    expect(readFileSync(out, 'utf8')).toBe(expected);
    expect(readdirSync(config.dir).filter((f) => f.includes('partial'))).toEqual([]);

    // To stdout, the same bytes; a channel filter and buckets are passed through.
    expect((await run(['telemetry', 'export', homeId, ...range])).stdout).toBe(expected);
    const hourly = await run([
      'telemetry',
      'export',
      homeId,
      ...range,
      '--channels',
      `${flow.id},${power.id}`,
      '--resolution',
      'hour',
      '--agg',
      'max',
    ]);
    expect(hourly.stdout).toBe(
      [
        'channelId,key,unit,time,value',
        `${flow.id},flow_temperature,°C,${iso(base)},41`,
        `${power.id},heat_power,W,${iso(base)},1600`,
        '',
      ].join('\r\n'),
    );
    const json = await run(['telemetry', 'export', homeId, ...range, '--channels', flow.id, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      homeId,
      resolution: 'raw',
      channels: [{ channelId: flow.id, points: [{ value: 40.5 }, { value: 41 }] }],
    });

    // The export imports again as it is (key and unit ignored): every row a duplicate, exit 0.
    const again = await run(['telemetry', 'import', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`Read 4 rows from ${out}: 0 stored, 4 duplicates, 0 refused.\n`);

    // Into another home: the same export with that home's channel ids reads back the same values.
    const other = await home();
    const moved = readFileSync(out, 'utf8')
      .replaceAll(flow.id, other.channel('flow_temperature').id)
      .replaceAll(power.id, other.channel('heat_power').id);
    const movedFile = file('moved.csv', moved);
    const into = await run(['telemetry', 'import', movedFile]);
    expect(into.stdout).toBe(`Read 4 rows from ${movedFile}: 4 stored, 0 duplicates, 0 refused.\n`);
    expect((await run(['telemetry', 'export', other.homeId, ...range])).stdout).toBe(moved);

    // Through stdin, with --json: the summary and every problem for a script.
    const piped = await run(
      ['telemetry', 'import', '-', '--json'],
      `channelId,time,value\n${flow.id},${iso(base + 3 * MINUTE)},44\n${flow.id},not a time,1\n${flow.id},${iso(base)},x\n`,
    );
    expect(piped.code).toBe(5);
    expect(JSON.parse(piped.stdout)).toEqual({
      file: '-',
      rows: 3,
      sent: 2,
      stored: 1,
      duplicates: 0,
      refused: 1,
      malformed: 1,
      problems: [
        { line: 3, channelId: flow.id, reason: 'time_invalid', detail: expect.any(String) },
        { line: 4, channelId: flow.id, reason: 'malformed', detail: 'value "x" is not a number' },
      ],
    });
  });

  it('shows progress on a terminal, and streams a large file in batches of at most --batch readings', async () => {
    const { homeId, channel } = await home();
    const keys = ['flow_temperature', 'return_temperature', 'heat_power', 'flow_rate'];
    const rows = 12_000;
    let text = 'channelId,time,value\n';
    for (let k = 0; k < rows; k++) {
      const key = keys[k % keys.length] as string;
      text += `${channel(key).id},${iso(base + Math.floor(k / keys.length) * 15_000)},${k % 97}\n`;
    }
    const csv = file('large.csv', text);

    let stdout = '';
    let stderr = '';
    const seen = server.requests.length;
    const code = await runCli(['telemetry', 'import', csv], {
      env,
      stdin: Object.assign(Readable.from(['']), { isTTY: false }),
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t), isTTY: true },
    });
    expect(code).toBe(0);
    expect(stdout).toBe(`Read 12,000 rows from ${csv}: 12,000 stored, 0 duplicates, 0 refused.\n`);
    expect(server.seenSince(seen).filter((r) => r.startsWith('POST /api/v/1/telemetry'))).toHaveLength(3);
    // Redrawn in place after each batch, and wiped at the end.
    expect(stderr).toContain('\r\x1b[KImporting large.csv: 5,000 rows read (');
    expect(stderr).toContain('10,000 stored, 0 duplicates, 0 refused');
    expect(stderr.endsWith('\r\x1b[K')).toBe(true);

    const latest = await run(['telemetry', 'latest', homeId]);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/^CHANNEL\s+KEY\s+UNIT\s+TIME\s+VALUE\n/);
    expect(latest.stdout).toContain(`${channel('flow_rate').id}  flow_rate`);
    const latestJson = JSON.parse((await run(['telemetry', 'latest', homeId, '--json'])).stdout);
    expect(latestJson.find((c: { key: string }) => c.key === 'flow_rate')).toMatchObject({
      time: iso(base + (rows / keys.length - 1) * 15_000),
      value: (rows - 1) % 97,
    });
  });

  it('streams: the first batch is sent while most of the file is still unread', async () => {
    const { channel } = await home();
    const power = channel('heat_power').id;
    const total = 20_000;
    let produced = 0;
    let producedAtFirstPush: number | undefined;
    async function* rows() {
      yield 'channelId,time,value\n';
      for (let k = 0; k < total; k += 100) {
        let chunk = '';
        for (let j = k; j < k + 100; j++) chunk += `${power},${iso(base + j * 1000)},${j}\n`;
        produced += 100;
        yield chunk;
      }
    }
    let stdout = '';
    const code = await runCli(['telemetry', 'import', '-', '--batch', '1000'], {
      env,
      stdin: Object.assign(Readable.from(rows()), { isTTY: false }),
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      fetch: (input, init) => {
        if (init.method === 'POST' && input.endsWith('/telemetry')) producedAtFirstPush ??= produced;
        return fetch(input, init);
      },
    });
    expect(code).toBe(0);
    expect(stdout).toBe('Read 20,000 rows from -: 20,000 stored, 0 duplicates, 0 refused.\n');
    expect(producedAtFirstPush).toBeGreaterThanOrEqual(1000);
    expect(producedAtFirstPush).toBeLessThan(total / 4);
  });

  it('refuses what it cannot import before sending anything (exit 2)', async () => {
    const seen = server.requests.length;
    const header = await run(['telemetry', 'import', file('no-value.csv', 'channelId,time\nx,y\n')]);
    expect(header.code).toBe(2);
    expect(header.stderr).toBe(
      `hearth: ${path.join(config.dir, 'no-value.csv')}: line 1: the header must name the columns channelId, time and value (missing value; it has channelId, time)\n`,
    );
    const empty = await run(['telemetry', 'import', file('empty.csv', '')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the file is empty: it needs a header line/);
    const missing = await run(['telemetry', 'import', path.join(config.dir, 'nowhere.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^hearth: cannot read .*nowhere\.csv: ENOENT/);
    const batch = await run([
      'telemetry',
      'import',
      file('x.csv', 'channelId,time,value\n'),
      '--batch',
      '10001',
    ]);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('--batch must be a whole number from 1 to 10000');
    expect(server.seenSince(seen).filter((r) => r.includes('/telemetry'))).toEqual([]);
    const resolution = await run(['telemetry', 'export', randomUUID(), '--resolution', 'week']);
    expect(resolution.code).toBe(2);
    const notFound = await run(['telemetry', 'export', randomUUID()]);
    expect(notFound.code).toBe(4);
    expect(existsSync(path.join(config.dir, 'nowhere.csv'))).toBe(false);
  });
});

describe(`hearth telemetry exclusions (${dialect})`, () => {
  it('add, list, remove; export and latest leave the readings out unless --include-excluded', async () => {
    const { homeId, channel } = await home();
    const flow = channel('flow_temperature').id;
    await sdk.telemetry.push(
      [0, 1, 2, 3].map((k) => ({ channelId: flow, time: iso(base + k * 15 * MINUTE), value: 50 + k })),
    );
    const added = await run([
      'telemetry',
      'exclusions',
      'add',
      homeId,
      '--channel',
      flow,
      '--from',
      iso(base + 15 * MINUTE),
      '--to',
      iso(base + 45 * MINUTE),
      '--reason',
      'sensor off the pipe',
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const exclusion = JSON.parse(added.stdout) as { id: string; reason: string };
    expect(exclusion.reason).toBe('sensor off the pipe');

    const list = await run(['telemetry', 'exclusions', 'list', homeId]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(exclusion.id);
    expect(list.stdout).toContain('sensor off the pipe');

    const range = ['--channels', flow, '--from', iso(base), '--to', iso(base + HOUR)];
    const plain = await run(['telemetry', 'export', homeId, ...range]);
    expect(plain.stdout.trim().split('\r\n')).toHaveLength(3);
    const all = await run(['telemetry', 'export', homeId, ...range, '--include-excluded']);
    const lines = all.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('channelId,key,unit,time,value,excluded');
    expect(lines.slice(1).map((l) => l.split(',').at(-1))).toEqual(['false', 'true', 'true', 'false']);

    const bad = await run([
      'telemetry',
      'exclusions',
      'add',
      homeId,
      '--channel',
      flow,
      '--from',
      iso(base + HOUR),
      '--to',
      iso(base),
      '--reason',
      'backwards',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('to must be after from');

    const removed = await run(['telemetry', 'exclusions', 'remove', homeId, exclusion.id]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`Removed exclusion ${exclusion.id}`);
    expect((await run(['telemetry', 'exclusions', 'list', homeId])).stdout).toContain('No exclusions.');
    expect((await run(['telemetry', 'export', homeId, ...range])).stdout.trim().split('\r\n')).toHaveLength(
      5,
    );
  });
});

describe(`hearth gateway (${dialect})`, () => {
  it('show, secret (printed once, with a warning), revoke; the secret logs a gateway in through the SDK', async () => {
    const { homeId, channel } = await home();
    const shown = await run(['gateway', 'show', homeId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^client id: +[0-9a-f-]{36}\nhome: +/);
    expect(shown.stdout).toMatch(/\nstatus: +no_secret\n/);

    const table = await run(['gateway', 'secret', homeId]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\nclient secret: +[A-Za-z0-9_-]{43}\n/);
    expect(table.stderr).toMatch(/shown this once and cannot be shown again/);
    expect((await run(['gateway', 'show', homeId])).stdout).not.toContain('secret:');

    const issued = JSON.parse((await run(['gateway', 'secret', homeId, '--json'])).stdout);
    expect(issued).toMatchObject({ homeId, status: 'active', clientSecret: expect.any(String) });
    const gateway = clientFor(server);
    await gateway.loginWithClientCredentials({
      clientId: issued.clientId,
      clientSecret: issued.clientSecret,
    });
    const pushed = await gateway.telemetry.push([
      { channelId: channel('heat_power').id, time: iso(base), value: 7 },
    ]);
    expect(pushed.stored).toBe(1);

    const revoked = await run(['gateway', 'revoke', homeId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(
      `Revoked the gateway secret of home ${homeId}: it gets no token until a new secret is issued.\n`,
    );
    expect(JSON.parse((await run(['gateway', 'show', homeId, '--json'])).stdout).status).toBe('revoked');
    await expect(gateway.telemetry.push([])).rejects.toMatchObject({ code: 'not_logged_in' });
  });
});

describe(`hearth telemetry import against a small body limit (${dialect})`, () => {
  it('a batch the server finds too large (413) is sent again in halves', async () => {
    const small = await startServer({ HEARTH_BODY_LIMIT: '20000' });
    const dir = tempConfigDir();
    try {
      const { admin } = await createAgentWithAdmin(small, await operatorClient(small));
      const client = clientFor(small);
      await client.login(admin);
      const order = await client.orders.create(completeOrder(`SMALL-${unique()}`) as CreateOrderInput);
      const { homeId } = await client.orders.submit(order.id);
      const power = (await client.homes.meters(homeId))
        .flatMap((m) => m.channels)
        .find((c) => c.key === 'heat_power');
      const smallEnv = { HEARTH_CONFIG_DIR: dir.dir, HEARTH_SERVER: small.url };
      expect(
        (
          await hearth(['login', '--username', admin.username], {
            ...smallEnv,
            HEARTH_PASSWORD: admin.password,
          })
        ).code,
      ).toBe(0);
      let text = 'channelId,time,value\n';
      for (let k = 0; k < 600; k++) text += `${power?.id},${iso(base + k * 1000)},${k}\n`;
      const csv = path.join(dir.dir, 'many.csv');
      writeFileSync(csv, text);
      const seen = small.requests.length;
      const result = await hearth(['telemetry', 'import', csv, '--batch', '600'], smallEnv);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`Read 600 rows from ${csv}: 600 stored, 0 duplicates, 0 refused.\n`);
      const pushes = small.seenSince(seen).filter((r) => r.startsWith('POST /api/v/1/telemetry'));
      expect(pushes.filter((r) => r.endsWith('413')).length).toBeGreaterThan(0);
      expect(pushes.filter((r) => r.endsWith('200')).length).toBeGreaterThan(1);
    } finally {
      dir.remove();
      await small.close();
    }
  });
});
