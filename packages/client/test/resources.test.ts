import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect, latestMailTo, tokenFromMail } from '../../server/test/harness/index.js';
import { InvalidRequestError, NotFoundError, OAuthError } from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`every route of the server through the SDK (${dialect})`, () => {
  it('agents: list follows nextCursor over several pages; get, update, suspend, reactivate, delete', async () => {
    const operator = await operatorClient(server);
    const stem = `Paged ${unique()}`;
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        await operator.agents.create({
          name: `${stem} ${i}`,
          adminEmail: `p${i}-${unique()}@example.com`,
          adminName: 'P',
        }),
      );
    }
    const mark = server.requests.length;
    const names: string[] = [];
    for await (const agent of operator.agents.list({ q: stem, limit: 2 })) names.push(agent.name);
    expect(names).toEqual(created.map((a) => a.name));
    const pages = server.seenSince(mark);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(/^GET \/api\/v\/1\/agents\?q=.*&limit=2 200$/);
    expect(pages[1]).toMatch(/&cursor=/);

    // toArray(max) stops reading pages once it has enough.
    const before = server.requests.length;
    expect(await operator.agents.list({ q: stem, limit: 2 }).toArray(3)).toHaveLength(3);
    expect(server.requests.length - before).toBe(2);

    const [first] = created;
    if (!first) throw new Error('no agent');
    expect((await operator.agents.get(first.id)).name).toBe(first.name);
    expect((await operator.agents.update(first.id, { name: `${stem} renamed` })).name).toBe(
      `${stem} renamed`,
    );
    expect((await operator.agents.suspend(first.id)).status).toBe('suspended');
    expect((await operator.agents.list({ q: stem, status: 'suspended' }).toArray()).map((a) => a.id)).toEqual(
      [first.id],
    );
    expect((await operator.agents.reactivate(first.id)).status).toBe('active');
    await operator.agents.delete(first.id);
    await expect(operator.agents.get(first.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('invitations (send, list, get, resend, revoke, accept), users (list, get, update, disable, enable, delete), me, password, audit', async () => {
    const operator = await operatorClient(server);
    const { agentId, admin } = await createAgentWithAdmin(server, operator);
    const alice = clientFor(server);
    await alice.login(admin);
    const me = await alice.me();
    expect(me).toMatchObject({ username: admin.username, role: 'admin', agentId });

    const email = `bob-${unique()}@example.com`;
    const invitation = await alice.invitations.send({ email, role: 'editor', name: 'Bob' });
    expect(invitation).toMatchObject({ email, role: 'editor', status: 'pending' });
    expect((await alice.invitations.get(invitation.id)).delivery).not.toBeUndefined();
    expect((await alice.invitations.list({ status: 'pending' }).toArray()).map((i) => i.id)).toContain(
      invitation.id,
    );

    const oldToken = tokenFromMail((await latestMailTo(server.test.app, email)).text);
    await alice.invitations.resend(invitation.id);
    const newToken = tokenFromMail((await latestMailTo(server.test.app, email)).text);
    expect(newToken).not.toBe(oldToken);
    const anonymous = clientFor(server);
    const refused = await anonymous.invitations
      .accept({
        token: oldToken,
        username: `bob-${unique()}`,
        password: 'tangerine bicycle orchestra',
        name: 'Bob',
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).code).toBe('invitation_invalid');

    const bobName = `bob-${unique()}`;
    const bob = await anonymous.invitations.accept({
      token: newToken,
      username: bobName,
      password: 'tangerine bicycle orchestra',
      name: 'Bob',
    });
    expect(bob).toMatchObject({ username: bobName, role: 'editor', agentId });

    // Another invitation, revoked before use.
    const carol = await alice.invitations.send({ email: `carol-${unique()}@example.com`, role: 'viewer' });
    await alice.invitations.revoke(carol.id);
    expect((await alice.invitations.get(carol.id)).status).toBe('revoked');

    expect((await alice.users.list({ role: 'editor' }).toArray()).map((u) => u.id)).toEqual([bob.id]);
    expect((await alice.users.get(bob.id)).name).toBe('Bob');
    expect((await alice.users.update(bob.id, { name: 'Robert', role: 'viewer' })).role).toBe('viewer');
    expect((await alice.users.disable(bob.id)).status).toBe('disabled');
    await expect(
      clientFor(server).login({ username: bobName, password: 'tangerine bicycle orchestra' }),
    ).rejects.toBeInstanceOf(OAuthError);
    expect((await alice.users.enable(bob.id)).status).toBe('active');

    // Bob changes his password: the old one stops working, the new one logs in.
    const bobClient = clientFor(server);
    await bobClient.login({ username: bobName, password: 'tangerine bicycle orchestra' });
    await bobClient.changePassword({
      currentPassword: 'tangerine bicycle orchestra',
      newPassword: 'marmalade kettle symphony',
    });
    expect((await bobClient.me()).username).toBe(bobName);
    await clientFor(server).login({ username: bobName, password: 'marmalade kettle symphony' });

    await alice.users.delete(bob.id);
    await expect(alice.users.get(bob.id)).rejects.toBeInstanceOf(NotFoundError);

    const actions = (await alice.audit.list({ action: 'user' }).toArray()).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['user.updated', 'user.password_changed', 'user.deleted']),
    );
    const invitationEvents = await alice.audit.list({ action: 'invitation', limit: 2 }).toArray();
    expect(invitationEvents.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'invitation.sent',
        'invitation.resent',
        'invitation.revoked',
        'invitation.accepted',
      ]),
    );
  });
});
