import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Actor } from '../auth/index.js';
import type { AppContext } from '../context.js';

export const DEMO_AGENT_NAME = 'Hearth Demo Homes';
export const DEMO_ADMIN = {
  username: 'demo-admin',
  email: 'demo-admin@example.com',
  name: 'Demo Admin',
} as const;

export interface DemoCredentials {
  username: string;
  password: string;
  /** whether this start created the demo agent and its admin */
  created: boolean;
}

/**
 * The demo agent and its admin, made the way the platform makes every agent: the operator
 * registers the agent, which emails its first admin an invitation; the demo reads that email from
 * the outbox and accepts it with a generated password, kept in `credentialsFile` (mode 0600).
 * A later start finds the agent and reads the password back.
 */
export async function ensureDemoAccounts(
  ctx: AppContext,
  operatorUsername: string,
  credentialsFile: string,
): Promise<DemoCredentials> {
  const { agents, invitations, mail, onboarding, users } = ctx.services;
  const existing = (await agents.list({ q: DEMO_AGENT_NAME, limit: 100 })).find(
    (a) => a.name === DEMO_AGENT_NAME,
  );
  if (existing) {
    if (!existsSync(credentialsFile)) {
      throw new Error(
        `the demo agent exists but ${credentialsFile} is gone; start on an empty data folder, or set HEARTH_DEMO=off`,
      );
    }
    const [username = '', password = ''] = readFileSync(credentialsFile, 'utf8').split('\n');
    return { username, password, created: false };
  }

  const operator = await users.findForLogin(operatorUsername.toLowerCase());
  if (!operator) throw new Error(`no operator ${operatorUsername}`);
  const actor: Actor = {
    scope: {
      userId: operator.id,
      username: operator.username,
      role: 'operator',
      agentId: null,
      clientId: 'demo',
      tokenHash: '',
      homeAccess: 'all',
    },
    address: '127.0.0.1',
  };
  await onboarding.create(actor, {
    name: DEMO_AGENT_NAME,
    adminEmail: DEMO_ADMIN.email,
    adminName: DEMO_ADMIN.name,
    timeZone: 'Europe/London',
  });
  const email = await mail.newestTo(DEMO_ADMIN.email);
  const token = email?.text.match(/invitation token:\s*([0-9a-f-]{36})/)?.[1];
  if (!token) throw new Error('the demo admin’s invitation email holds no token');
  const password = randomBytes(12).toString('base64url');
  await invitations.accept(
    { token, username: DEMO_ADMIN.username, password, name: DEMO_ADMIN.name },
    '127.0.0.1',
  );
  writeFileSync(credentialsFile, `${DEMO_ADMIN.username}\n${password}\n`, { mode: 0o600 });
  return { username: DEMO_ADMIN.username, password, created: true };
}
