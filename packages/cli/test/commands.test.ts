import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  OPERATOR,
  operatorClient,
  startServer,
  unique,
} from '../../client/test/support.js';
import { dialect, latestMailTo, tokenFromMail } from '../../server/test/harness/index.js';
import { hearth, hearthProcess, tempConfigDir } from './support.js';

const ONE_LINE_ERROR = /^hearth: [^\n]+ \([a-z_]+(, request id [0-9a-f-]{36})?\)\n$/;

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

/** A config folder logged in as `who`, and a runner of hearth commands with it. */
async function loggedIn(who: { username: string; password: string } = OPERATOR) {
  const config = tempConfigDir();
  const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  const login = await hearth(['login', '--username', who.username], {
    ...env,
    HEARTH_PASSWORD: who.password,
  });
  expect(login.stderr).toBe('');
  expect(login.code).toBe(0);
  return {
    env,
    config,
    run: (args: string[], input?: string, extraEnv: Record<string, string> = {}) =>
      hearth(args, { ...env, ...extraEnv }, input),
    json: async (args: string[]) => {
      const result = await hearth([...args, '--json'], env);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout);
    },
  };
}

describe(`hearth login, whoami, logout (${dialect})`, () => {
  it('login reads the password from stdin when it is not a terminal, and stores the tokens with mode 0600', async () => {
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir };
      const result = await hearthProcess(
        ['login', '--server', server.url, '--username', OPERATOR.username],
        env,
        `${OPERATOR.password}\n`,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`Logged in to ${server.url} as operator (operator).\n`);

      const file = path.join(config.dir, 'credentials.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(config.dir).mode & 0o777).toBe(0o700);
      const stored = JSON.parse(readFileSync(file, 'utf8'));
      expect(stored.current).toBe(server.url);
      expect(stored.sessions[server.url]).toMatchObject({
        username: OPERATOR.username,
        tokens: { accessToken: expect.any(String), refreshToken: expect.any(String) },
      });

      // The next command finds the server and the login without being told.
      const whoami = await hearth(['whoami', '--json'], env);
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ username: OPERATOR.username, role: 'operator' });
    } finally {
      config.remove();
    }
  });

  it('a wrong password exits 3 with one line; no password on a non-terminal is bad usage (2)', async () => {
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const wrong = await hearth(['login', '--username', OPERATOR.username], env, 'not the password\n');
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(ONE_LINE_ERROR);
      expect(wrong.stderr).toContain('The username or password is wrong (invalid_grant, request id');

      const none = await hearth(['login', '--username', OPERATOR.username], env, '');
      expect(none.code).toBe(2);
      expect(none.stderr).toBe(
        'hearth: a password is needed: give it on stdin (one line each) or on a terminal\n',
      );
    } finally {
      config.remove();
    }
  });

  it('whoami before any login exits 3 and says how to log in', async () => {
    const config = tempConfigDir();
    try {
      const result = await hearth(['whoami'], { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url });
      expect(result.code).toBe(3);
      expect(result.stderr).toBe(
        `hearth: you are not logged in to ${server.url}: run \`hearth login --server ${server.url}\` (not_logged_in)\n`,
      );
    } finally {
      config.remove();
    }
  });

  it('logout revokes the tokens on the server and forgets them', async () => {
    const cli = await loggedIn();
    try {
      const stored = JSON.parse(readFileSync(path.join(cli.config.dir, 'credentials.json'), 'utf8'));
      const { accessToken } = stored.sessions[server.url].tokens;
      const mark = server.requests.length;
      const result = await cli.run(['logout']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`Logged out of ${server.url} (operator).\n`);
      expect(server.seenSince(mark)).toEqual(['POST /oauth/revoke 200', 'POST /oauth/revoke 200']);

      const old = await fetch(`${server.url}/api/v/1/users/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(old.status).toBe(401);
      expect((await cli.run(['whoami'])).code).toBe(3);
      expect((await cli.run(['logout'])).stdout).toBe(`Not logged in to ${server.url}.\n`);
    } finally {
      cli.config.remove();
    }
  });
});

describe(`hearth agents, users, invitations, audit, password (${dialect})`, () => {
  it('agents: create, list (table and JSON), get, update, suspend, reactivate, delete; 4 for an unknown id', async () => {
    const cli = await loggedIn();
    try {
      const stem = `Cli ${unique()}`;
      const created = await cli.json([
        'agents',
        'create',
        '--name',
        `${stem} A`,
        '--admin-email',
        `a-${unique()}@example.com`,
        '--admin-name',
        'Ann',
      ]);
      await cli.json([
        'agents',
        'create',
        '--name',
        `${stem} B`,
        '--admin-email',
        `b-${unique()}@example.com`,
        '--admin-name',
        'Bo',
        '--time-zone',
        'Europe/Dublin',
        '--region',
        'ireland',
      ]);

      const table = await cli.run(['agents', 'list', '--search', stem]);
      expect(table.code).toBe(0);
      const [header, ...rows] = table.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED$/);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain(`${stem} A`);

      const second = (await cli.json(['agents', 'list', '--search', `${stem} B`]))[0];
      expect(second).toMatchObject({ timeZone: 'Europe/Dublin', region: 'ireland' });
      const listed = await cli.json(['agents', 'list', '--search', stem, '--limit', '1']);
      expect(listed.map((a: { name: string }) => a.name)).toEqual([`${stem} A`]);

      expect(await cli.json(['agents', 'get', created.id])).toMatchObject({
        id: created.id,
        name: `${stem} A`,
      });
      expect(await cli.json(['agents', 'update', created.id, '--name', `${stem} Renamed`])).toMatchObject({
        name: `${stem} Renamed`,
        region: null,
      });
      // The homes' default region: set, shown in the record, and back to the platform's.
      expect(await cli.json(['agents', 'update', created.id, '--region', 'scotland'])).toMatchObject({
        name: `${stem} Renamed`,
        region: 'scotland',
      });
      const shown = await cli.run(['agents', 'get', created.id]);
      expect(shown.stdout).toMatch(/^region:\s+scotland$/m);
      expect((await cli.json(['agents', 'update', created.id, '--region', 'platform'])).region).toBeNull();
      const badRegion = await cli.run(['agents', 'update', created.id, '--region', 'north wales']);
      expect(badRegion.code).toBe(1); // the server refused it, naming the field
      expect(badRegion.stderr).toContain('/body/region');
      expect((await cli.run(['agents', 'update', created.id])).code).toBe(2);
      expect((await cli.json(['agents', 'suspend', created.id])).status).toBe('suspended');
      expect((await cli.json(['agents', 'reactivate', created.id])).status).toBe('active');
      expect(await cli.json(['agents', 'delete', created.id])).toEqual({ id: created.id, deleted: true });

      const missing = await cli.run(['agents', 'get', created.id]);
      expect(missing.code).toBe(4);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toMatch(ONE_LINE_ERROR);
      expect(missing.stderr).toContain('(not_found, request id ');

      const bad = await cli.run(['agents', 'create', '--name', 'No admin']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe("hearth: required option '--admin-email <email>' not specified\n");
      expect((await cli.run(['agents', 'list', '--limit', 'many'])).code).toBe(2);
    } finally {
      cli.config.remove();
    }
  });

  it('invitations, users, audit and password change, as an agent admin; 3 for what the role may not do', async () => {
    const operator = await operatorClient(server);
    const { admin } = await createAgentWithAdmin(server, operator);
    const cli = await loggedIn(admin);
    try {
      expect((await cli.run(['agents', 'list'])).code).toBe(3);

      const email = `dan-${unique()}@example.com`;
      const sent = await cli.json([
        'invitations',
        'send',
        '--email',
        email,
        '--role',
        'editor',
        '--name',
        'Dan',
      ]);
      expect(sent).toMatchObject({ email, role: 'editor', status: 'pending' });
      const pending = await cli.json(['invitations', 'list', '--status', 'pending']);
      expect(pending.map((i: { id: string }) => i.id)).toContain(sent.id);
      expect((await cli.json(['invitations', 'get', sent.id])).delivery).toBeTruthy();
      await cli.json(['invitations', 'resend', sent.id]);

      // Dan accepts with the token from his email, on a machine with no login, the password on stdin.
      const token = tokenFromMail((await latestMailTo(server.test.app, email)).text);
      const dan = tempConfigDir();
      const danName = `dan-${unique()}`;
      try {
        const accepted = await hearth(
          ['invitations', 'accept', '--token', token, '--username', danName, '--name', 'Dan', '--json'],
          { HEARTH_CONFIG_DIR: dan.dir, HEARTH_SERVER: server.url },
          'tangerine bicycle orchestra\n',
        );
        expect(accepted.stderr).toBe('');
        expect(JSON.parse(accepted.stdout)).toMatchObject({ username: danName, role: 'editor' });

        const danCli = await loggedIn({ username: danName, password: 'tangerine bicycle orchestra' });
        try {
          const changed = await danCli.run(
            ['password', 'change'],
            'tangerine bicycle orchestra\nmarmalade kettle symphony\n',
          );
          expect(changed.stderr).toBe('');
          expect(changed.stdout).toBe('Password changed. Your other logins have ended.\n');
          await clientFor(server).login({ username: danName, password: 'marmalade kettle symphony' });
        } finally {
          danCli.config.remove();
        }
      } finally {
        dan.remove();
      }

      const revokeMe = await cli.json([
        'invitations',
        'send',
        '--email',
        `eve-${unique()}@example.com`,
        '--role',
        'viewer',
      ]);
      expect(await cli.json(['invitations', 'revoke', revokeMe.id])).toEqual({
        id: revokeMe.id,
        revoked: true,
      });

      const editors = await cli.json(['users', 'list', '--role', 'editor']);
      expect(editors.map((u: { username: string }) => u.username)).toEqual([danName]);
      const danId = editors[0].id;
      expect((await cli.json(['users', 'get', danId])).name).toBe('Dan');
      expect(
        await cli.json(['users', 'update', danId, '--name', 'Daniel', '--role', 'viewer']),
      ).toMatchObject({
        name: 'Daniel',
        role: 'viewer',
      });
      expect((await cli.json(['users', 'disable', danId])).status).toBe('disabled');
      expect((await cli.json(['users', 'enable', danId])).status).toBe('active');
      expect(await cli.json(['users', 'delete', danId])).toEqual({ id: danId, deleted: true });

      const events = await cli.json(['audit', 'list', '--action', 'invitation']);
      expect(events.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining([
          'invitation.sent',
          'invitation.resent',
          'invitation.accepted',
          'invitation.revoked',
        ]),
      );
      const table = await cli.run(['audit', 'list', '--action', 'user.deleted']);
      expect(table.stdout).toMatch(/^AT\s+ACTION\s+ACTOR\s+TARGET\s+DETAILS\n/);
      expect(table.stdout).toContain('user.deleted');
    } finally {
      cli.config.remove();
    }
  });

  it('--help works on every command and exits 0', async () => {
    for (const args of [
      [],
      ['agents'],
      ['agents', 'list'],
      ['users', 'update'],
      ['invitations', 'accept'],
      ['audit', 'list'],
      ['password', 'change'],
      ['login'],
    ]) {
      const result = await hearth([...args, '--help'], {});
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: hearth/);
    }
  });
});
