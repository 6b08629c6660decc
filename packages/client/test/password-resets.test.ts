import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect, latestMailTo, resetTokenFromMail } from '../../server/test/harness/index.js';
import { InvalidRequestError } from '../src/index.js';
import { clientFor, createAgentWithAdmin, type LiveServer, operatorClient, startServer } from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`SDK password resets (${dialect})`, () => {
  it('requests a reset for any address, confirms with the emailed token, and raises password_reset_invalid after', async () => {
    const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
    const email = `${admin.username}@example.com`;
    const anonymous = clientFor(server);
    await expect(anonymous.passwordResets.request({ email })).resolves.toBeUndefined();
    await expect(anonymous.passwordResets.request({ email: 'nobody@example.com' })).resolves.toBeUndefined();

    await server.test.app.ctx.services.passwordResets.idle();
    const token = resetTokenFromMail((await latestMailTo(server.test.app, email)).text);
    await anonymous.passwordResets.confirm({ token, password: 'orchard telescope pebble 12' });

    const user = clientFor(server);
    await user.login({ username: admin.username, password: 'orchard telescope pebble 12' });
    expect((await user.me()).username).toBe(admin.username);

    const again = anonymous.passwordResets.confirm({ token, password: 'another meadow lantern 34' });
    await expect(again).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(again).rejects.toMatchObject({ code: 'password_reset_invalid', status: 400 });
  });
});
