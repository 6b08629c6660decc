import type { FastifyInstance } from 'fastify';
import { bearer, login } from './app.js';
import { latestMailTo } from './rows.js';

/** The invitation token inside an invitation email's text (the line after "invitation token:"). */
export function tokenFromMail(text: string): string {
  const match =
    /invitation token:\s*\n\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(text);
  if (!match?.[1]) throw new Error(`no invitation token in mail:\n${text}`);
  return match[1];
}

export async function acceptInvitation(
  app: FastifyInstance,
  token: string,
  username: string,
  password: string,
  name = username,
) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v/1/invitations/acceptance',
    payload: { token, username, password, name },
  });
  if (response.statusCode !== 201)
    throw new Error(`acceptance failed: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string; username: string; role: string; agentId: string };
}

export interface Tenant {
  agentId: string;
  admin: { id: string; username: string; password: string; token: string };
  /** Invites, accepts and logs in one more user of this agent. */
  addUser(
    role: 'admin' | 'editor' | 'viewer',
  ): Promise<{ id: string; username: string; password: string; token: string }>;
}

let counter = 0;
const unique = () =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * A fresh agent with its admin, made the way a real one is: the operator creates the agent through
 * the API, the invitation token comes from the queued email, the admin accepts and logs in.
 */
export async function createTenant(
  app: FastifyInstance,
  operatorToken: string,
  name = 'Agent',
): Promise<Tenant> {
  const id = unique();
  const adminEmail = `admin-${id}@example.com`;
  const created = await app.inject({
    method: 'POST',
    url: '/api/v/1/agents',
    headers: bearer(operatorToken),
    payload: { name: `${name} ${id}`, adminEmail, adminName: `Admin ${id}` },
  });
  if (created.statusCode !== 201)
    throw new Error(`agent creation failed: ${created.statusCode} ${created.body}`);
  const agentId = created.json().id as string;
  const password = `correct horse battery ${id}`;
  const adminUser = await acceptInvitation(
    app,
    tokenFromMail((await latestMailTo(app, adminEmail)).text),
    `admin-${id}`,
    password,
  );
  const admin = {
    id: adminUser.id,
    username: adminUser.username,
    password,
    token: (await login(app, adminUser.username, password)).access_token,
  };

  return {
    agentId,
    admin,
    async addUser(role) {
      const uid = unique();
      const email = `${role}-${uid}@example.com`;
      const invited = await app.inject({
        method: 'POST',
        url: '/api/v/1/invitations',
        headers: bearer(admin.token),
        payload: { email, role },
      });
      if (invited.statusCode !== 201)
        throw new Error(`invitation failed: ${invited.statusCode} ${invited.body}`);
      const userPassword = `purple elephant window ${uid}`;
      const user = await acceptInvitation(
        app,
        tokenFromMail((await latestMailTo(app, email)).text),
        `${role}-${uid}`,
        userPassword,
      );
      return {
        id: user.id,
        username: user.username,
        password: userPassword,
        token: (await login(app, user.username, userPassword)).access_token,
      };
    },
  };
}
