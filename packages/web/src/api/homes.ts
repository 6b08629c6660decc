import type { Home } from '@hearth/client';
import { client } from './client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A home by the reference people use (DEMO-001) or by its id: URLs name homes either way. A
 * reference nobody in the caller's scope has, like another agent's id, is not found.
 */
export async function findHome(ref: string, signal?: AbortSignal): Promise<Home | undefined> {
  if (UUID.test(ref)) return client.homes.get(ref, signal ? { signal } : {});
  const page = await client.homes.listPage({ q: ref, limit: 50 }, signal ? { signal } : {});
  const match = page.items.find((h) => h.reference.toLowerCase() === ref.toLowerCase());
  return match ? client.homes.get(match.id, signal ? { signal } : {}) : undefined;
}
