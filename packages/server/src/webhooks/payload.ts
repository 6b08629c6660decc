import type { AlarmEvent } from '../faults/index.js';

/**
 * The body of a delivery: `{ id, type, at, data }`. `data` is the event without its agent id (the
 * webhook is the agent's own) — the home, its groups, the alarm and whether it is historic.
 */
export function payloadOf(event: AlarmEvent): string {
  const { id, type, at, agentId: _agentId, ...data } = event;
  return JSON.stringify({ id, type, at, data });
}

/** The body of a ping: `POST /webhooks/{id}/ping` checks the receiver and its signature check. */
export function pingPayload(id: string, webhookId: string, at: string): string {
  return JSON.stringify({
    id,
    type: 'ping',
    at,
    data: { webhookId, message: 'A test delivery from Hearth: the receiver and its signature check work.' },
  });
}
