/**
 * A fleet of heat pump homes for the portfolio, fleet and console benches: `homes` homes ordered
 * through the API (`app.inject`, no sockets), each with a heat meter and a heat pump electricity
 * meter read daily, then `days` local days of one reading a day of each register (electricity
 * 8–12 kWh a day, SPF 2.5–3.5 by home) and of the flow temperature (35–45 °C by home and day),
 * pushed through `POST /telemetry` in batches of 10,000. A daily reading gives the same
 * `rollups_day` rows (one per channel and day) that hourly readings would.
 */
import type { FastifyInstance } from 'fastify';
import { completeOrder } from '../../packages/server/test/harness/orders.js';

const DAY = 86_400_000;
const API = '/api/v/1';
const BATCH = 10_000;

export interface SeededFleet {
  homesSeconds: string;
  pushSeconds: string;
  readings: number;
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** The operator's scope, to read a new home's channel ids in-process. */
function operatorScope() {
  return {
    userId: 'bench',
    username: 'bench',
    role: 'operator' as const,
    agentId: null,
    clientId: 'bench',
    tokenHash: '',
    homeAccess: 'all' as const,
  };
}

export async function seedDailyFleet(
  app: FastifyInstance,
  adminToken: string,
  options: { homes: number; days: number; prefix?: string },
): Promise<SeededFleet> {
  const { homes, days, prefix = 'PB' } = options;
  const auth = { authorization: `Bearer ${adminToken}` };
  // Readings may go back to the commissioning date.
  const commissioningDate = new Date(Date.now() - (days + 5) * DAY).toISOString().slice(0, 10);
  const started = performance.now();
  const registers: { electricity: string; heat: string; flow: string; index: number }[] = [];
  for (let i = 0; i < homes; i++) {
    const reference = `${prefix}-${i}`;
    const order = completeOrder(reference, {
      installation: { ...completeOrder(reference).installation, designSpf: 3, commissioningDate },
      meters: [
        { serial: `HM-${i}`, kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 86_400 } },
        {
          serial: `EM-${i}`,
          kind: 'electricity_meter',
          measures: 'heat_pump',
          reading: { method: 'push', intervalSeconds: 86_400 },
        },
      ],
      services: { amr: {}, insight: {}, performance: {} },
    });
    const draft = await app.inject({ method: 'POST', url: `${API}/orders`, headers: auth, payload: order });
    if (draft.statusCode !== 201) throw new Error(`order: ${draft.statusCode} ${draft.body}`);
    const submitted = await app.inject({
      method: 'POST',
      url: `${API}/orders/${draft.json().id}/submission`,
      headers: auth,
    });
    if (submitted.statusCode !== 201)
      throw new Error(`submission: ${submitted.statusCode} ${submitted.body}`);
    const homeId = submitted.json().homeId as string;
    const { meters } = await app.ctx.services.homes.withMeters(operatorScope(), homeId);
    const channel = (kind: string, key: string) =>
      meters.find((m) => m.kind === kind)?.channels.find((c) => c.key === key)?.id as string;
    registers.push({
      index: i,
      electricity: channel('electricity_meter', 'electricity_energy'),
      heat: channel('heat_meter', 'heat_energy'),
      flow: channel('heat_meter', 'flow_temperature'),
    });
    if ((i + 1) % 1000 === 0) console.log(`${i + 1} homes in ${seconds(started)} s`);
  }
  const homesSeconds = seconds(started);

  // One reading a day at noon UTC for `days` days ending today, plus one the day before.
  const pushed = performance.now();
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY + DAY / 2;
  let batch: { channelId: string; time: string; value: number }[] = [];
  let readings = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const response = await app.inject({
      method: 'POST',
      url: `${API}/telemetry`,
      headers: auth,
      payload: { readings: batch },
    });
    if (response.statusCode !== 200 || response.json().refused.length > 0)
      throw new Error(`telemetry: ${response.statusCode} ${response.body.slice(0, 500)}`);
    readings += batch.length;
    batch = [];
  };
  for (const r of registers) {
    const kwh = 8 + (r.index % 5);
    const spf = 2.5 + (r.index % 11) / 10;
    for (let d = days; d >= 0; d--) {
      const at = Math.min(today - d * DAY, now - 60_000);
      const time = new Date(at).toISOString();
      const k = days - d;
      batch.push({ channelId: r.electricity, time, value: 1000 + k * kwh });
      batch.push({ channelId: r.heat, time, value: 3000 + k * kwh * spf });
      // Flow temperature 35–45 °C by home and day: each row's flowTemperatureC has days to weigh.
      batch.push({ channelId: r.flow, time, value: 35 + ((r.index + k) % 11) });
      // Three readings a day and home: the next day's would overflow a full batch.
      if (batch.length > BATCH - 3) await flush();
    }
  }
  await flush();
  return { homesSeconds, pushSeconds: seconds(pushed), readings };
}
