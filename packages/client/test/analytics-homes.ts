import { completeOrder } from '../../server/test/harness/index.js';
import type { CreateOrderInput, HearthClient } from '../src/index.js';

/** Local midnights (Europe/London, BST) of 5 and 8 October 2026: three whole days of readings. */
export const WINDOW = { from: '2026-10-04T23:00:00.000Z', to: '2026-10-07T23:00:00.000Z' };
const HOUR = 3_600_000;

/**
 * A submitted home (commissioned 2026-10-01) whose hourly heat and electricity registers read every
 * hour of WINDOW and the hour before it: 1 kWh of electricity and `cop` kWh of heat an hour, so its
 * SPF over the window is `cop`, at full coverage.
 */
export async function homeWithReadings(
  client: HearthClient,
  reference: string,
  cop: number,
): Promise<string> {
  const hourly = { method: 'push', intervalSeconds: 3600 };
  const order = await client.orders.create(
    completeOrder(reference, {
      meters: [
        { serial: `HM-${reference}`, kind: 'heat_meter', reading: hourly },
        { serial: `EM-${reference}`, kind: 'electricity_meter', measures: 'heat_pump', reading: hourly },
      ],
    }) as CreateOrderInput,
  );
  const { homeId } = await client.orders.submit(order.id);
  const channels = (await client.homes.meters(homeId)).flatMap((m) => m.channels);
  const heat = channels.find((c) => c.key === 'heat_energy');
  const electricity = channels.find((c) => c.key === 'electricity_energy');
  if (!heat || !electricity) throw new Error('no energy registers');
  const readings = [];
  const from = Date.parse(WINDOW.from);
  for (let hour = from - HOUR, k = 0; hour < Date.parse(WINDOW.to); hour += HOUR, k++) {
    const time = new Date(hour + 30 * 60_000).toISOString();
    readings.push({ channelId: heat.id, time, value: 100 + cop * k });
    readings.push({ channelId: electricity.id, time, value: 10 + k });
  }
  const result = await client.telemetry.push(readings);
  if (result.refused.length > 0) throw new Error(`refused: ${JSON.stringify(result.refused[0])}`);
  return homeId;
}
