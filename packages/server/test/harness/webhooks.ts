import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import type { AlarmEvent } from '../../src/faults/events.js';

/** One request a receiver got, as it arrived: the raw body is what the signature covers. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; at: string; data: Record<string, unknown> };
  /** The status the receiver answered with. */
  status: number;
  at: number;
}

/** A real HTTP receiver on 127.0.0.1 (port 0): records every request, answers what `respond` says. */
export interface Receiver {
  url: string;
  requests: Received[];
  /** The answered status of each request; default 200. Change it while the test runs. */
  respond: (request: { body: string; json: Received['json']; index: number }) => number;
  /** Resolves once `predicate` holds over the requests so far; fails naming what arrived. */
  waitFor(what: string, predicate: (requests: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    requests,
    respond: () => 200,
    waitFor(what, predicate, timeoutMs = 10_000) {
      if (predicate(requests)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = requests.map((r) => `${r.json.type}:${r.status}`).join(', ') || 'none';
          reject(new Error(`receiver: ${what} not within ${timeoutMs} ms; received: ${seen}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = JSON.parse(body) as Received['json'];
      const status = receiver.respond({ body, json, index: requests.length });
      requests.push({ headers: req.headers, body, json, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 300 ? `receiver says ${status}` : 'ok');
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hearth`;
  return receiver;
}

/**
 * The receiver's check, exactly as docs/notifications.md shows it: HMAC-SHA256 of `<t>.<raw body>`
 * with the secret, compared in constant time with the v1 of Hearth-Signature, t within 5 minutes.
 */
export function verify(
  secret: string,
  rawBody: string,
  header: string | undefined,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  const given = fields.v1 ?? '';
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** A hand-made alarm event of a real home, as the alarms service would hand it over. */
export function alarmEvent(
  home: { agentId: string; homeId: string; reference?: string; groupIds?: string[] },
  overrides: Partial<Omit<AlarmEvent, 'alarm'>> & { alarm?: Partial<AlarmEvent['alarm']> } = {},
): AlarmEvent {
  const at = new Date().toISOString();
  const { alarm, ...rest } = overrides;
  return {
    id: uuidv7(),
    type: 'alarm.raised',
    at,
    agentId: home.agentId,
    homeId: home.homeId,
    homeReference: home.reference ?? 'HOME-1',
    groupIds: home.groupIds ?? [],
    alarm: {
      id: uuidv7(),
      rule: 'communication_loss',
      ruleTitle: 'Communication loss',
      severity: 'major',
      state: 'active',
      raisedAt: at,
      conditionSince: at,
      lastSeenAt: at,
      clearedAt: null,
      acknowledged: false,
      occurrences: 1,
      summary: 'heat meter HM-1 has sent nothing for 14 min (expected every 60 s)',
      evidence: null,
      ...alarm,
    },
    historic: false,
    ...rest,
  };
}

/** Queues events the way the alarms service does: in a transaction, then a kick after the commit. */
export async function enqueue(app: FastifyInstance, events: AlarmEvent[]): Promise<void> {
  const { notifications } = app.ctx.services;
  await app.ctx.database.db.transaction().execute((trx) => notifications.enqueue(events, trx));
  notifications.kick();
}
