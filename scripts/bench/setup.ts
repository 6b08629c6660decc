import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { CHANNEL_KEYS } from './data.js';
import type { Client } from './http.js';

const TRUSTED = { id: 'trusted', secret: 'secret' };
const API = '/api/v/1';

export interface BenchHome {
  index: number;
  homeId: string;
  /** Channel ids in CHANNEL_KEYS order. */
  channelIds: string[];
  gateway: { clientId: string; token: string };
}

export interface BenchTenant {
  agentId: string;
  adminToken: string;
  homes: BenchHome[];
}

/** Runs `work` over items with at most `limit` at once; keeps the order of results. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        results[i] = await work(items[i] as T, i);
      }
    }),
  );
  return results;
}

/** The invitation token of the email to `to`, from the server's outbox folder (no SMTP configured). */
async function invitationToken(dataDir: string, to: string): Promise<string> {
  const dir = path.join(dataDir, 'outbox');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(dir)) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
        const mail = await simpleParser(readFileSync(path.join(dir, file)));
        const address = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        if (!address?.toLowerCase().includes(to.toLowerCase())) continue;
        const match =
          /invitation token:\s*\n\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(
            mail.text ?? '',
          );
        if (match?.[1]) return match[1];
      }
    }
    await sleep(100);
  }
  throw new Error(`no invitation email to ${to} in ${dir} after 30 s`);
}

/** An order a real installer would submit: heat meter, electricity meter, outdoor sensor, amr at 60 s. */
function order(reference: string, commissioningDate: string) {
  return {
    reference,
    property: {
      addressLines: [`${reference.slice(-3)} High Street`],
      town: 'Llanberis',
      postcode: 'LL55 4UR',
      country: 'GB',
    },
    occupant: { name: 'Olive Occupant', email: 'olive@example.com', phone: '+44 1286 000000' },
    installation: {
      technology: 'air_source_heat_pump',
      manufacturer: 'Vaillant',
      model: 'aroTHERM plus 7kW',
      ratedCapacityKw: 7,
      commissioningDate,
      mcsCertificateNumber: 'MCS-123456',
      designFlowTemperatureC: 45,
      designSpf: 3.5,
      designHeatLossW: 5200,
      annualHeatDemandKwh: 9800,
    },
    meters: [
      { serial: `HM-${reference}`, kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 60 } },
      {
        serial: `EM-${reference}`,
        kind: 'electricity_meter',
        measures: 'heat_pump',
        reading: { method: 'push', intervalSeconds: 60 },
      },
      {
        serial: `TS-${reference}`,
        kind: 'temperature_sensor',
        location: 'outdoor',
        reading: { method: 'push', intervalSeconds: 60 },
      },
    ],
    services: {
      amr: { intervalSeconds: 60 },
      insight: {},
      performance: {},
      fault_management: { recipients: ['alerts@example.com'] },
    },
  };
}

/**
 * Makes the bench's tenant the way a real one is made, all over HTTP: the operator creates an
 * agent, its admin accepts the emailed invitation and logs in, submits one order per home (in
 * parallel), and each home's gateway gets a secret (admin) and a client_credentials token.
 */
export async function createTenant(
  client: Client,
  options: {
    dataDir: string;
    operatorPassword: string;
    homes: number;
    commissioningDate: string;
    parallel: number;
  },
): Promise<BenchTenant> {
  const operator = await client.token(TRUSTED.id, TRUSTED.secret, {
    grant_type: 'password',
    username: 'operator',
    password: options.operatorPassword,
  });
  const tag = Date.now().toString(36);
  const adminEmail = `bench-admin-${tag}@example.com`;
  const agent = await client.json<{ id: string }>('POST', `${API}/agents`, operator, {
    name: `Bench Heating ${tag}`,
    adminEmail,
    adminName: 'Bench Admin',
  });
  const token = await invitationToken(options.dataDir, adminEmail);
  const username = `bench-admin-${tag}`;
  const password = `bench admin password ${tag} correct horse`;
  await client.json('POST', `${API}/invitations/acceptance`, undefined, {
    token,
    username,
    password,
    name: 'Bench Admin',
  });
  const adminToken = await client.token(TRUSTED.id, TRUSTED.secret, {
    grant_type: 'password',
    username,
    password,
  });

  const homes = await pool(
    Array.from({ length: options.homes }, (_, i) => i),
    options.parallel,
    async (index): Promise<BenchHome> => {
      const reference = `BENCH-${String(index).padStart(3, '0')}`;
      const draft = await client.json<{ id: string }>(
        'POST',
        `${API}/orders`,
        adminToken,
        order(reference, options.commissioningDate),
      );
      const submitted = await client.json<{ homeId: string }>(
        'POST',
        `${API}/orders/${draft.id}/submission`,
        adminToken,
      );
      const homeId = submitted.homeId;
      const meters = await client.json<{ items: { channels: { id: string; key: string }[] }[] }>(
        'GET',
        `${API}/homes/${homeId}/meters`,
        adminToken,
      );
      const byKey = new Map<string, string>();
      for (const meter of meters.items) for (const c of meter.channels) byKey.set(c.key, c.id);
      const channelIds = CHANNEL_KEYS.map((key) => {
        const id = byKey.get(key);
        if (!id) throw new Error(`home ${homeId} has no ${key} channel (has ${[...byKey.keys()]})`);
        return id;
      });
      const secret = await client.json<{ clientId: string; clientSecret: string }>(
        'POST',
        `${API}/homes/${homeId}/gateway/secret`,
        adminToken,
      );
      const gatewayToken = await client.token(secret.clientId, secret.clientSecret, {
        grant_type: 'client_credentials',
      });
      return { index, homeId, channelIds, gateway: { clientId: secret.clientId, token: gatewayToken } };
    },
  );
  return { agentId: agent.id, adminToken, homes };
}
