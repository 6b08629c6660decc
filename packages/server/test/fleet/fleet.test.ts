import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  completeOrder,
  createGroup,
  createTenant,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  pushAll,
  type Reading,
  setHomeAccess,
  setHomeGroups,
  startTestApp,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let t: TestApp;
let a: Tenant;
let b: Tenant;
const ids: Record<string, string> = {};
let otherAgentHome: string;
let viewerToken: string;
let groupId: string;

interface Row {
  id: string;
  reference: string;
  status: string;
  town: string | null;
  postcode: string | null;
  technology: string | null;
  manufacturer: string | null;
  model: string | null;
  lastReadingAt: string | null;
  connection: string;
  alarms: Record<'critical' | 'major' | 'minor' | 'warning' | 'total', number>;
  spf: {
    value: number | null;
    design: number | null;
    ratio: number | null;
    boundary: string | null;
    coveragePercent: number | null;
  } | null;
}
interface Answer {
  items: Row[];
  nextCursor: string | null;
  total: number;
  counts: Record<string, number>;
  facets: { technologies: string[]; manufacturers: { manufacturer: string; models: string[] }[] };
  window: { from: string; to: string };
}

const hourly = { method: 'push', intervalSeconds: 3600 };
/** A heat meter and a heat pump electricity meter read hourly. */
const hourlyMeters = (ref: string) => [
  { serial: `HM-${ref}`, kind: 'heat_meter', reading: hourly },
  { serial: `EM-${ref}`, kind: 'electricity_meter', measures: 'heat_pump', reading: hourly },
];

/** Hourly register readings from 31 days ago until `until`: electricity 1 kWh an hour, heat `spf` times that. */
function registerHistory(heat: string, electricity: string, spf: number, until: number): Reading[] {
  const readings: Reading[] = [];
  // Ending at `until` itself: the newest reading is as fresh as the test says, however slow the machine.
  const start = until - Math.floor((until - (Date.now() - 31 * DAY)) / HOUR) * HOUR;
  for (let time = start, k = 0; time <= until; time += HOUR, k++) {
    readings.push({ channelId: electricity, time: iso(time), value: 100 + k });
    readings.push({ channelId: heat, time: iso(time), value: 500 + k * spf });
  }
  return readings;
}

/** An alarm of one rule on a home (one active alarm per home and rule), as the security fixture makes one. */
async function insertAlarm(
  homeId: string,
  rule: string,
  severity: string,
  state: 'active' | 'cleared' = 'active',
) {
  const now = Date.now();
  await t.app.ctx.database.db
    .insertInto('alarms')
    .values({
      id: uuidv7(),
      agent_id: a.agentId,
      home_id: homeId,
      rule,
      severity: severity as 'major',
      state,
      summary: 'test alarm',
      evidence: JSON.stringify({ summary: 'test', from: now - HOUR, to: now, values: {} }),
      channel_id: null,
      raised_at: now - HOUR,
      last_seen_at: now,
      cleared_at: state === 'cleared' ? now : null,
      cleared_by: null,
      acknowledged_at: null,
      acknowledged_by: null,
      note: null,
      occurrences: 1,
      created_at: now,
      updated_at: now,
      revision: 1,
    })
    .execute();
}

beforeAll(async () => {
  // Homes are judged only when the test asks (POST …/alarms/evaluate), not a few seconds after
  // their readings arrive: the alarms each home has are then the ones the test made.
  t = await startTestApp({ HEARTH_FAULTS_STREAM_DELAY_SECONDS: '3600' });
  // Nor by the periodic pass: on a loaded machine the setup outlasts a scan interval, and a pass
  // that came after A2's pushes judged its heat meter's five silent hours (an alarm the test did
  // not make). A3's evaluation below is asked for explicitly.
  await t.app.ctx.services.faultEvaluator.stop();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  a = await createTenant(t.app, operator, 'Fleet');
  b = await createTenant(t.app, operator, 'Fleet other');
  const token = a.admin.token;
  const now = Date.now();
  const base = completeOrder('X').installation;

  // A1: air source, Vaillant, every meter fresh: online, SPF about 3.
  const a1 = await homeWithChannels(t.app, token, 'FL-A1', { meters: hourlyMeters('A1') });
  ids.a1 = a1.homeId;
  await pushAll(
    t.app,
    token,
    registerHistory(
      a1.channel('heat_meter', 'heat_energy').id,
      a1.channel('electricity_meter', 'electricity_energy').id,
      3,
      now - 10 * MINUTE,
    ),
  );
  // A2: ground source, Nibe, in Bangor: its heat meter stopped 5 hours ago (late), electricity fresh.
  const a2 = await homeWithChannels(t.app, token, 'FL-A2', {
    property: { addressLines: ['2 Deiniol Road'], town: 'Bangor', postcode: 'LL57 2UW', country: 'GB' },
    installation: {
      ...base,
      technology: 'ground_source_heat_pump',
      manufacturer: 'Nibe',
      model: 'S1255',
      designSpf: 4,
    },
    meters: hourlyMeters('A2'),
  });
  ids.a2 = a2.homeId;
  const a2heat = a2.channel('heat_meter', 'heat_energy').id;
  const a2elec = a2.channel('electricity_meter', 'electricity_energy').id;
  const a2history = registerHistory(a2heat, a2elec, 3.6, now - 10 * MINUTE);
  await pushAll(
    t.app,
    token,
    a2history.filter((r) => r.channelId === a2elec || Date.parse(r.time) < now - 5 * HOUR),
  );
  // A3: a gas boiler in Cardiff, its one heat meter (60 s) silent for two hours: offline; no SPF.
  const a3 = await homeWithChannels(t.app, token, 'FL-A3', {
    property: { addressLines: ['3 Queen Street'], town: 'Cardiff', postcode: 'CF10 2BU', country: 'GB' },
    installation: { ...base, technology: 'gas_boiler', manufacturer: 'Worcester', model: 'Greenstar 30i' },
    meters: [{ serial: 'HM-A3', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 60 } }],
    services: { amr: { intervalSeconds: 60 }, fault_management: { recipients: ['alerts@example.com'] } },
  });
  ids.a3 = a3.homeId;
  await pushAll(t.app, token, [
    { channelId: a3.channel('heat_meter', 'heat_energy').id, time: iso(now - 2 * HOUR), value: 10 },
  ]);
  // A4: the default meters, nothing sent yet: never seen, no SPF figures.
  ids.a4 = (await homeWithChannels(t.app, token, 'FL-A4')).homeId;
  // A5: decommissioned, a lower-case model spelling of A1's manufacturer.
  ids.a5 = (
    await homeWithChannels(t.app, token, 'FL-A5', {
      installation: { ...base, model: 'aroTHERM plus 5kW' },
    })
  ).homeId;
  const gone = await call(t.app, 'DELETE', `/homes/${ids.a5}`, token);
  expect(gone.statusCode, gone.body).toBe(204);

  // Alarms of A1: one per severity but major, twice minor, and a cleared major that no longer counts.
  await insertAlarm(ids.a1 as string, 'low_indoor_temperature', 'critical');
  await insertAlarm(ids.a1 as string, 'short_cycling', 'minor');
  await insertAlarm(ids.a1 as string, 'stuck_sensor', 'minor');
  await insertAlarm(ids.a1 as string, 'data_gaps', 'warning');
  await insertAlarm(ids.a1 as string, 'implausible_cop', 'major', 'cleared');
  // A3's silence, judged by the real evaluator.
  const judged = await call(t.app, 'POST', `/homes/${ids.a3}/alarms/evaluate`, token);
  expect(judged.statusCode, judged.body).toBe(200);

  otherAgentHome = (await homeWithChannels(t.app, b.admin.token, 'FL-B1')).homeId;

  groupId = await createGroup(t.app, token, 'North');
  await setHomeGroups(t.app, token, ids.a1 as string, [groupId]);
  await setHomeGroups(t.app, token, ids.a4 as string, [groupId]);
  const viewer = await a.addUser('viewer');
  await setHomeAccess(t.app, token, viewer.id, [groupId]);
  viewerToken = viewer.token;
}, timeout(120_000));
afterAll(() => t?.close());

async function fleet(params: Record<string, string> = {}, token = a.admin.token): Promise<Answer> {
  const response = await call(t.app, 'GET', `/fleet?${new URLSearchParams(params)}`, token);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Answer;
}
const refs = (answer: Answer) => answer.items.map((r) => r.reference);
const row = (answer: Answer, reference: string) => answer.items.find((r) => r.reference === reference) as Row;

describe('GET /fleet', () => {
  it('gives each visible home its row: connection the worst of its meters, newest reading, active alarms, SPF', async () => {
    const answer = await fleet();
    expect(refs(answer)).toEqual(['FL-A1', 'FL-A2', 'FL-A3', 'FL-A4', 'FL-A5']);
    expect(answer.total).toBe(5);
    expect(answer.nextCursor).toBeNull();
    expect(answer.counts).toEqual({ online: 1, late: 1, offline: 1, never_seen: 1, decommissioned: 1 });
    expect(answer.facets).toEqual({
      technologies: ['air_source_heat_pump', 'gas_boiler', 'ground_source_heat_pump'],
      manufacturers: [
        { manufacturer: 'Nibe', models: ['S1255'] },
        { manufacturer: 'Vaillant', models: ['aroTHERM plus 5kW', 'aroTHERM plus 7kW'] },
        { manufacturer: 'Worcester', models: ['Greenstar 30i'] },
      ],
    });
    const to = Date.parse(answer.window.to);
    expect(to - Date.parse(answer.window.from)).toBe(30 * DAY);
    expect(to % HOUR).toBe(0);
    expect(Math.abs(to - Date.now())).toBeLessThanOrEqual(HOUR);

    const a1 = row(answer, 'FL-A1');
    expect(a1).toMatchObject({
      id: ids.a1,
      status: 'active',
      town: 'Llanberis',
      postcode: 'LL55 4UR',
      technology: 'air_source_heat_pump',
      manufacturer: 'Vaillant',
      model: 'aroTHERM plus 7kW',
      connection: 'online',
      alarms: { critical: 1, major: 0, minor: 2, warning: 1, total: 4 },
      spf: { value: 3, design: 3.5, boundary: expect.any(String) },
    });
    expect(Date.now() - Date.parse(a1.lastReadingAt as string)).toBeLessThan(HOUR);
    expect(row(answer, 'FL-A2')).toMatchObject({ connection: 'late', alarms: { total: 0 } });
    // A2's newest reading is its electricity meter's, though its heat meter is the late one.
    expect(Date.now() - Date.parse(row(answer, 'FL-A2').lastReadingAt as string)).toBeLessThan(HOUR);
    const a3 = row(answer, 'FL-A3');
    expect(a3).toMatchObject({ connection: 'offline', spf: null, technology: 'gas_boiler' });
    // A3's alarms are what the alarm list says is active for it, by severity.
    const active = await call(t.app, 'GET', `/homes/${ids.a3}/alarms?state=active`, a.admin.token);
    const listed = (active.json().items as { severity: string }[]).map((x) => x.severity);
    expect(listed.length).toBeGreaterThan(0);
    expect(a3.alarms.total).toBe(listed.length);
    for (const severity of ['critical', 'major', 'minor', 'warning'] as const)
      expect(a3.alarms[severity]).toBe(listed.filter((s) => s === severity).length);
    expect(row(answer, 'FL-A4')).toMatchObject({
      connection: 'never_seen',
      lastReadingAt: null,
      spf: { value: null },
    });
    expect(row(answer, 'FL-A5')).toMatchObject({ status: 'decommissioned', connection: 'decommissioned' });
    // The other agent's home never appears.
    expect(answer.items.map((r) => r.id)).not.toContain(otherAgentHome);
  });

  it('states the SPF GET /portfolio/performance states for the same home and window', async () => {
    const answer = await fleet();
    const portfolio = await call(
      t.app,
      'GET',
      `/portfolio/performance?${new URLSearchParams({ ...answer.window, limit: '100' })}`,
      a.admin.token,
    );
    expect(portfolio.statusCode, portfolio.body).toBe(200);
    const table = portfolio.json().items as {
      homeId: string;
      spf: number | null;
      designSpf: number | null;
      spfRatio: number | null;
      boundary: string | null;
      coveragePercent: number | null;
    }[];
    for (const reference of ['FL-A1', 'FL-A2', 'FL-A4', 'FL-A5']) {
      const mine = row(answer, reference);
      const theirs = table.find((r) => r.homeId === mine.id);
      expect(theirs, reference).toBeDefined();
      expect(mine.spf).toMatchObject({
        value: theirs?.spf,
        design: theirs?.designSpf,
        ratio: theirs?.spfRatio,
        boundary: theirs?.boundary,
      });
      // Coverage counts time up to now, which moved on between the two requests.
      if (theirs?.coveragePercent === null) expect(mine.spf?.coveragePercent).toBeNull();
      else expect(mine.spf?.coveragePercent).toBeCloseTo(theirs?.coveragePercent as number, 0);
    }
    // A2's heat meter fell silent 5 hours ago while its electricity kept counting: a little under 3.6.
    expect(row(answer, 'FL-A2').spf?.value).toBeGreaterThan(3.5);
    expect(row(answer, 'FL-A2').spf?.value).toBeLessThan(3.6);
  });

  it('filters by q, connection, technology, group, manufacturer, model and active alarms', async () => {
    expect(refs(await fleet({ q: 'BANGOR' }))).toEqual(['FL-A2']);
    expect(refs(await fleet({ q: 'cf102b' }))).toEqual(['FL-A3']);
    expect(refs(await fleet({ q: 'queen st' }))).toEqual(['FL-A3']);
    expect(refs(await fleet({ q: 'fl-a4' }))).toEqual(['FL-A4']);
    const online = await fleet({ connection: 'online,late' });
    expect(refs(online)).toEqual(['FL-A1', 'FL-A2']);
    expect(online.total).toBe(2);
    // Counts ignore the connection filter; they follow the others.
    expect(online.counts).toEqual({ online: 1, late: 1, offline: 1, never_seen: 1, decommissioned: 1 });
    const pumps = await fleet({ technology: 'air_source_heat_pump' });
    expect(refs(pumps)).toEqual(['FL-A1', 'FL-A4', 'FL-A5']);
    expect(pumps.counts).toEqual({ online: 1, late: 0, offline: 0, never_seen: 1, decommissioned: 1 });
    // Facets are over every home the caller may see, whatever the filters.
    expect(pumps.facets.technologies).toHaveLength(3);
    expect(refs(await fleet({ groupId }))).toEqual(['FL-A1', 'FL-A4']);
    expect(refs(await fleet({ manufacturer: 'vaillant' }))).toEqual(['FL-A1', 'FL-A4', 'FL-A5']);
    expect(refs(await fleet({ manufacturer: 'vaill' }))).toEqual([]);
    expect(refs(await fleet({ model: 'AROTHERM PLUS 5KW' }))).toEqual(['FL-A5']);
    expect(refs(await fleet({ hasActiveAlarms: 'true' }))).toEqual(['FL-A1', 'FL-A3']);
    expect(refs(await fleet({ hasActiveAlarms: 'false' }))).toEqual(['FL-A2', 'FL-A4', 'FL-A5']);
    expect(refs(await fleet({ connection: 'never_seen', technology: 'air_source_heat_pump' }))).toEqual([
      'FL-A4',
    ]);
  });

  it('sorts ascending and descending with homes without the figure last in both, ties by reference', async () => {
    expect(refs(await fleet({ sort: 'spf' }))).toEqual(['FL-A1', 'FL-A2', 'FL-A3', 'FL-A4', 'FL-A5']);
    expect(refs(await fleet({ sort: 'spf', order: 'desc' }))).toEqual([
      'FL-A2',
      'FL-A1',
      'FL-A3',
      'FL-A4',
      'FL-A5',
    ]);
    expect(refs(await fleet({ sort: 'spfRatio', order: 'desc' })).slice(0, 2)).toEqual(['FL-A2', 'FL-A1']);
    expect(refs(await fleet({ sort: 'town', order: 'desc' })).slice(0, 3)).toEqual([
      'FL-A1',
      'FL-A4',
      'FL-A5',
    ]);
    // A1's and A2's newest readings are at the same hour: a tie, broken by reference in both orders.
    expect(refs(await fleet({ sort: 'lastReadingAt' }))).toEqual([
      'FL-A3',
      'FL-A1',
      'FL-A2',
      'FL-A4',
      'FL-A5',
    ]);
    expect(refs(await fleet({ sort: 'lastReadingAt', order: 'desc' }))).toEqual([
      'FL-A1',
      'FL-A2',
      'FL-A3',
      'FL-A4',
      'FL-A5',
    ]);
    expect(refs(await fleet({ sort: 'connection', order: 'desc' }))).toEqual([
      'FL-A5',
      'FL-A4',
      'FL-A3',
      'FL-A2',
      'FL-A1',
    ]);
    // A1 has a critical alarm, A3 only its communication_lost one; the others none.
    expect(refs(await fleet({ sort: 'alarms', order: 'desc' }))).toEqual([
      'FL-A1',
      'FL-A3',
      'FL-A2',
      'FL-A4',
      'FL-A5',
    ]);
    expect(refs(await fleet({ sort: 'alarms' }))).toEqual(['FL-A2', 'FL-A4', 'FL-A5', 'FL-A3', 'FL-A1']);
    expect(refs(await fleet({ sort: 'manufacturer' }))).toEqual([
      'FL-A2',
      'FL-A1',
      'FL-A4',
      'FL-A5',
      'FL-A3',
    ]);
    expect(refs(await fleet({ sort: 'technology', order: 'desc' }))).toEqual([
      'FL-A2',
      'FL-A3',
      'FL-A1',
      'FL-A4',
      'FL-A5',
    ]);
    expect(refs(await fleet({ sort: 'reference', order: 'desc' }))).toEqual([
      'FL-A5',
      'FL-A4',
      'FL-A3',
      'FL-A2',
      'FL-A1',
    ]);
  });

  it('pages with the cursor through every row exactly once', async () => {
    for (const sort of ['reference', 'spf', 'connection']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Answer = await fleet({ sort, limit: '2', ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        expect(page.total).toBe(5);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect([...seen].sort()).toEqual(Object.values(ids).sort());
    }
  });

  it('shows a viewer restricted to a group only that group’s homes, with facets of those', async () => {
    const answer = await fleet({}, viewerToken);
    expect(refs(answer)).toEqual(['FL-A1', 'FL-A4']);
    expect(answer.facets.technologies).toEqual(['air_source_heat_pump']);
    expect(answer.counts).toEqual({ online: 1, late: 0, offline: 0, never_seen: 1, decommissioned: 0 });
    expect(row(answer, 'FL-A1').spf?.value).toBe(3);
    // The other agent sees only its own home.
    expect((await fleet({}, b.admin.token)).items.map((r) => r.id)).toEqual([otherAgentHome]);
  });

  it('refuses a bad sort, limit, cursor, connection or unknown parameter with a 400 naming it', async () => {
    const bad = async (params: Record<string, string>, field: string) => {
      const response = await call(t.app, 'GET', `/fleet?${new URLSearchParams(params)}`, a.admin.token);
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(JSON.stringify(problem.errors)).toContain(field);
    };
    await bad({ sort: 'price' }, '/query/sort');
    await bad({ order: 'up' }, '/query/order');
    await bad({ limit: '0' }, '/query/limit');
    await bad({ limit: '201' }, '/query/limit');
    await bad({ cursor: 'not-a-cursor' }, '/query/cursor');
    await bad({ connection: 'online,asleep' }, '/query/connection');
    await bad({ connection: ',' }, '/query/connection');
    await bad({ technology: 'steam_engine' }, '/query/technology');
    await bad({ hasActiveAlarms: 'maybe' }, '/query/hasActiveAlarms');
    await bad({ status: 'active' }, '/query/status');
    const anonymous = await call(t.app, 'GET', '/fleet');
    expect(anonymous.statusCode).toBe(401);
  });
});
