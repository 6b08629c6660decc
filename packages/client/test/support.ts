import type { AddressInfo } from 'node:net';
import {
  latestMailTo,
  OPERATOR,
  startTestApp,
  type TestApp,
  tokenFromMail,
} from '../../server/test/harness/index.js';
import { HearthClient, type HearthClientOptions } from '../src/index.js';

export { OPERATOR };

/** One HTTP request as the server saw it on the wire. */
export interface SeenRequest {
  method: string;
  url: string;
  status?: number;
}

export interface LiveServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  test: TestApp;
  /** Every request the server received, in order, with the status it answered. */
  requests: SeenRequest[];
  /** Requests received since the given index, as `METHOD url status` lines (easy to assert on). */
  seenSince(index: number): string[];
  close(): Promise<void>;
}

/**
 * The real platform on a fresh database, listening on 127.0.0.1 on a free port. Token checks are
 * not cached (HEARTH_TOKEN_CACHE_SECONDS=0) so a revocation shows at once. Requests are counted
 * on the Node server itself, before Fastify sees them: redirects and version answers included.
 */
export async function startServer(overrides: Record<string, string> = {}): Promise<LiveServer> {
  const test = await startTestApp({ HEARTH_TOKEN_CACHE_SECONDS: '0', ...overrides });
  const requests: SeenRequest[] = [];
  test.app.server.prependListener('request', (request, response) => {
    const seen: SeenRequest = { method: request.method ?? '', url: request.url ?? '' };
    requests.push(seen);
    response.on('finish', () => {
      seen.status = response.statusCode;
    });
  });
  try {
    await test.app.listen({ host: '127.0.0.1', port: 0 });
  } catch (err) {
    await test.close();
    throw err;
  }
  const { port } = test.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    test,
    requests,
    seenSince: (index) => requests.slice(index).map((r) => `${r.method} ${r.url} ${r.status ?? '-'}`),
    close: () => test.close(),
  };
}

/** A client for the server, fast to retry (tests never wait out real backoff). */
export function clientFor(server: LiveServer, options: Partial<HearthClientOptions> = {}): HearthClient {
  return new HearthClient({ baseUrl: server.url, retryDelayMs: 1, maxRetryDelayMs: 5, ...options });
}

/** A client logged in as the platform operator. */
export async function operatorClient(
  server: LiveServer,
  options: Partial<HearthClientOptions> = {},
): Promise<HearthClient> {
  const client = clientFor(server, options);
  await client.login(OPERATOR);
  return client;
}

let counter = 0;
export const unique = (): string =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * A fresh agent and its admin, made through the SDK the way a person would (so it works on a server
 * whose version moved): the operator registers the agent, the invitation token comes from the queued
 * email, the admin accepts it.
 */
export async function createAgentWithAdmin(
  server: LiveServer,
  operator: HearthClient,
  name = 'Agent',
): Promise<{ agentId: string; admin: { id: string; username: string; password: string } }> {
  const id = unique();
  const adminEmail = `admin-${id}@example.com`;
  const agent = await operator.agents.create({ name: `${name} ${id}`, adminEmail, adminName: `Admin ${id}` });
  const token = tokenFromMail((await latestMailTo(server.test.app, adminEmail)).text);
  const password = `correct horse battery ${id}`;
  const user = await clientFor(server).invitations.accept({
    token,
    username: `admin-${id}`,
    password,
    name: `Admin ${id}`,
  });
  return { agentId: agent.id, admin: { id: user.id, username: user.username, password } };
}
