import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
} from '../../client/test/support.js';
import { dialect, latestMailTo, resetTokenFromMail } from '../../server/test/harness/index.js';
import { hearth, tempConfigDir } from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`hearth password reset (${dialect})`, () => {
  it('asks for a reset email, then sets the new password with its token; the old login ends', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const email = `${admin.username}@example.com`;
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const login = await hearth(['login', '--username', admin.username], {
        ...env,
        HEARTH_PASSWORD: admin.password,
      });
      expect(login.code, login.stderr).toBe(0);

      const requested = await hearth(['password', 'reset', '--email', email], env);
      expect(requested.stderr).toBe('');
      expect(requested.code).toBe(0);
      expect(requested.stdout).toContain(`If an account at ${server.url} has ${email}`);
      // An unknown address gets the same sentence.
      const unknown = await hearth(['password', 'reset', '--email', 'nobody@example.com', '--json'], env);
      expect(JSON.parse(unknown.stdout)).toEqual({
        server: server.url,
        email: 'nobody@example.com',
        requested: true,
      });

      await server.test.app.ctx.services.passwordResets.idle();
      const token = resetTokenFromMail((await latestMailTo(server.test.app, email)).text);
      const reset = await hearth(
        ['password', 'reset', '--token', token],
        env,
        'lavender compass riverbank\n',
      );
      expect(reset.stderr).toBe('');
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/^Password set\. Every session of the account has ended/);

      // The stored login ended with every other session: exit 3, log in again.
      expect((await hearth(['whoami'], env)).code).toBe(3);
      const again = await hearth(['login', '--username', admin.username], {
        ...env,
        HEARTH_PASSWORD: 'lavender compass riverbank',
      });
      expect(again.code, again.stderr).toBe(0);

      // The token worked once.
      const used = await hearth(['password', 'reset', '--token', token], env, 'another sparrow lighthouse\n');
      expect(used.code).toBe(1);
      expect(used.stderr).toMatch(/^hearth: .*already used.*\(password_reset_invalid/);
    } finally {
      config.remove();
    }
  });

  it('needs exactly one of --email and --token (exit 2)', async () => {
    expect((await hearth(['password', 'reset'], { HEARTH_SERVER: server.url })).code).toBe(2);
    const both = await hearth(['password', 'reset', '--email', 'a@example.com', '--token', 'x'], {
      HEARTH_SERVER: server.url,
    });
    expect(both.code).toBe(2);
    expect((await hearth(['password', 'reset', '--help'], {})).stdout).toMatch(
      /^Usage: hearth password reset/,
    );
  });
});
