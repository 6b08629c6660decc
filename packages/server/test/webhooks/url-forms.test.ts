import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/webhooks/sender.js';
import {
  createTenant,
  dialect,
  type Live,
  listen,
  login,
  type Receiver,
  startReceiver,
  startTestApp,
  type Tenant,
  type TestApp,
  waitFor,
} from '../harness/index.js';

// Issue #18 part 5: every spelling of a private address is refused when a webhook's URL is set
// (create, update) and again at delivery, over real HTTP, with the default policy (private refused).

/** Spellings of loopback, private, link-local, multicast and tunnelled addresses, and local names. */
const PRIVATE_FORMS = [
  'https://[::127.0.0.1]/x', // IPv4-compatible ::/96
  'https://[::7f00:1]/x',
  'https://[2002:7f00:1::]/x', // 6to4 of 127.0.0.1
  'https://[2002:a00:1::1]/x', // 6to4 of 10.0.0.1
  'https://LOCALHOST./x', // trailing dot
  'https://localhost../x',
  'https://api.localhost/x', // localhost subdomain
  'https://api.LocalHost./x',
  'https://intranet./x', // a single label, with its trailing dot
  'https://[::ffff:10.0.0.1]/x', // IPv4-mapped
  'https://[::ffff:7f00:1]/x',
  'https://[0:0:0:0:0:ffff:127.0.0.1]/x',
  'https://[::ffff:0:a00:1]/x', // SIIT IPv4-translated
  'https://[64:ff9b::10.0.0.1]/x', // NAT64 well-known prefix
  'https://[64:ff9b:1::a00:1]/x', // NAT64 local-use prefix
  'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x', // Teredo
  'https://2130706433/x', // decimal IPv4
  'https://0x7f.1/x', // hex and short IPv4
  'https://0177.0.0.1/x', // octal IPv4
  'https://0x7f000001/x',
  'https://127.1/x',
  'https://127.0.0.1./x',
  'https://%31%32%37.0.0.1/x', // percent-encoded
  'https://ｌｏｃａｌｈｏｓｔ/x', // full-width letters (IDNA maps them)
  'https://0.0.0.0/x',
  'https://0/x',
  'https://[::]/x',
  'https://[::1]/x',
  'https://169.254.169.254./latest/meta-data', // cloud metadata, trailing dot
  'https://[fe80::1]/x', // link-local
  'https://[fec0::1]/x', // site-local
  'https://[fd12:3456::1]/x', // unique local fc00::/7
  'https://[fc00::1]/x',
  'https://[ff02::1]/x', // multicast
  'https://224.0.0.251/x',
  'https://255.255.255.255/x',
  'https://100.64.0.1/x', // carrier-grade NAT
  'https://192.88.99.1/x', // 6to4 relay anycast
] as const;

/** Public hosts in unusual spellings: still allowed (the policy judges addresses, not looks). */
const PUBLIC_FORMS = [
  'https://hooks.example.com./x',
  'https://[::ffff:8.8.8.8]/x',
  'https://[2a00:1450:4009:81f::200e]/x',
  'https://134744072/x', // 8.8.8.8 in decimal
];

describe(`webhook URL policy: every encoding of a private address, at creation, update and delivery (${dialect})`, () => {
  let t: TestApp;
  let live: Live;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestApp({
      HEARTH_WEBHOOK_RETRY_SECONDS: '0.02',
      HEARTH_NOTIFICATIONS_POLL_SECONDS: '0.02',
      HEARTH_WEBHOOK_TIMEOUT_SECONDS: '2',
    });
    live = await listen(t.app);
    a = await createTenant(t.app, (await login(t.app)).access_token, 'URL forms');
  });
  afterAll(async () => t?.close());

  const create = (url: string) => live.request('POST', '/webhooks', { token: a.admin.token, body: { url } });

  it.each(PRIVATE_FORMS)('refuses %s at creation and at update (400 naming /body/url)', async (url) => {
    const created = await create(url);
    expect(created.status, created.text).toBe(400);
    expect(created.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(created.json.errors).toEqual([
      { field: '/body/url', message: expect.stringMatching(/loopback, link-local or private host/) },
    ]);

    const good = await create('https://hooks.example.com/hearth');
    expect(good.status, good.text).toBe(201);
    const updated = await live.request('PUT', `/webhooks/${good.json.id}`, {
      token: a.admin.token,
      body: { url },
    });
    expect(updated.status, updated.text).toBe(400);
    expect(updated.json.errors).toEqual([
      { field: '/body/url', message: expect.stringMatching(/loopback, link-local or private host/) },
    ]);
    const after = await live.request('GET', `/webhooks/${good.json.id}`, { token: a.admin.token });
    expect(after.json.url).toBe('https://hooks.example.com/hearth');
  });

  it.each(PUBLIC_FORMS)('accepts the public %s', async (url) => {
    const created = await create(url);
    expect(created.status, created.text).toBe(201);
  });

  it.each(PRIVATE_FORMS)(
    'refuses %s at delivery too (a URL stored before the policy knew the form)',
    async (url) => {
      const good = await create('https://hooks.example.com/hearth');
      expect(good.status, good.text).toBe(201);
      // As if stored by an older release: the policy at delivery must not trust what was stored.
      await t.app.ctx.database.db
        .updateTable('webhooks')
        .set({ url })
        .where('id', '=', good.json.id)
        .execute();
      const ping = await live.request('POST', `/webhooks/${good.json.id}/ping`, { token: a.admin.token });
      expect(ping.status, ping.text).toBe(202);
      const delivery = await waitFor('the attempt', async () => {
        const log = await live.request('GET', `/webhooks/${good.json.id}/deliveries`, {
          token: a.admin.token,
        });
        const first = log.json.items[0] as { attempts: number; lastError: string | null } | undefined;
        return first && first.attempts > 0 ? first : undefined;
      });
      expect(delivery.lastError).toMatch(/^the URL points at a loopback, link-local or private host/);
    },
  );
});

describe('webhook sender: the addresses a name resolves to are judged at delivery', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());

  /** The names the fake resolver was asked for. */
  const asked: string[] = [];
  /** A resolver that answers these addresses for every name, as a hostile DNS server could. */
  const resolving = (...addresses: string[]) =>
    ((
      host: string,
      options: unknown,
      callback: (e: null, a: LookupAddress[] | string, f?: number) => void,
    ) => {
      asked.push(host);
      const answers = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if ((options as { all?: boolean }).all) callback(null, answers);
      else callback(null, answers[0]?.address ?? '', answers[0]?.family);
    }) as unknown as typeof import('node:dns').lookup;

  const send = (url: string, resolver: typeof import('node:dns').lookup, allowPrivateNetworks = false) =>
    postWebhook({ url, body: '{}', headers: {}, timeoutMs: 2000, allowPrivateNetworks, resolver });

  it.each([
    ['127.0.0.1'],
    ['10.0.0.5'],
    ['169.254.169.254'],
    ['::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:a00:5'],
    ['::7f00:1'],
    ['2002:7f00:1::'],
    ['64:ff9b::a00:1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['fd00::1'],
    ['fe80::1'],
    ['0.0.0.0'],
    ['127.0.0.1', '::ffff:7f00:1', 'fe80::1'],
  ])('a public-looking name resolving to %s is refused', async (...addresses) => {
    const port = new URL(receiver.url).port;
    asked.length = 0;
    const result = await send(`https://hooks.example.com:${port}/x`, resolving(...addresses));
    expect(asked).toEqual(['hooks.example.com']);
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/resolves only to private addresses/);
    expect(receiver.requests).toEqual([]);
  });

  it('the same resolver is what the sender connects by (control: allowed, it reaches the receiver)', async () => {
    // The receiver speaks plain HTTP: the TLS handshake fails there, which proves the connection
    // went to the address the resolver gave (not to DNS's answer for hooks.example.com).
    const port = new URL(receiver.url).port;
    const result = await send(`https://hooks.example.com:${port}/x`, resolving('127.0.0.1'), true);
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).not.toMatch(/private|ENOTFOUND|EAI_AGAIN/);
    expect(result.error).toMatch(/SSL|TLS|wrong version|EPROTO|socket/i);
  });
});
