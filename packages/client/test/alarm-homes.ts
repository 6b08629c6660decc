import { completeOrder } from '../../server/test/harness/index.js';
import type { CreateOrderInput, HearthClient } from '../src/index.js';
import { unique } from './support.js';

/**
 * A submitted home whose heat meter (60 s readings) sent one reading `hours` ago and nothing since:
 * judging it (`alarms.evaluate`) raises a real `communication_lost` alarm. A home that never sent
 * anything is judged from its creation, so a fresh home is not late yet: the old reading (allowed
 * back to the commissioning date) is what makes the silence.
 */
export async function silentHome(client: HearthClient, prefix: string, hours = 3): Promise<string> {
  const order = await client.orders.create(completeOrder(`${prefix}-${unique()}`) as CreateOrderInput);
  const { homeId } = await client.orders.submit(order.id);
  const channel = (await client.homes.meters(homeId))
    .flatMap((m) => m.channels)
    .find((c) => c.key === 'heat_energy');
  if (!channel) throw new Error('no heat_energy channel');
  const pushed = await client.telemetry.push([
    { channelId: channel.id, time: new Date(Date.now() - hours * 3_600_000), value: 1000 },
  ]);
  if (pushed.stored !== 1) throw new Error(`reading refused: ${JSON.stringify(pushed.refused)}`);
  return homeId;
}
