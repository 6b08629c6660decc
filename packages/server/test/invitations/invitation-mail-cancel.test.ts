import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTenant,
  dialect,
  login,
  type SmtpReceiver,
  startSmtpReceiver,
  startTestApp,
  type Tenant,
  type TestApp,
  unusedPort,
} from '../harness/index.js';

/**
 * An invitation email that has not gone out yet is withdrawn when its token dies (revoked,
 * replaced by a resend, agent deleted): nobody receives a link that cannot work.
 */
describe(`stale invitation emails are never sent (${dialect})`, () => {
  let t: TestApp;
  let port: number;
  let receiver: SmtpReceiver | undefined;
  let operator: string;
  let tenant: Tenant;

  beforeAll(async () => {
    port = await unusedPort();
    // No SMTP server yet: every message stays queued until the test starts one.
    t = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, HEARTH_MAIL_RETRY_SECONDS: '0.05' });
    await t.app.ctx.services.mail.stop();
    operator = (await login(t.app)).access_token;
    tenant = await createTenant(t.app, operator);
  });
  afterAll(async () => {
    await receiver?.close();
    await t.close();
  });

  const invite = async (email: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v/1/invitations',
      headers: bearer(tenant.admin.token),
      payload: { email, role: 'viewer' },
    });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string };
  };

  it('withdraws the email of a revoked invitation and of a replaced one, and sends the rest', async () => {
    const revoked = await invite('revoked@example.com');
    const resent = await invite('resent@example.com');
    await invite('kept@example.com');
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v/1/invitations/${revoked.id}`,
          headers: bearer(tenant.admin.token),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v/1/invitations/${resent.id}/resend`,
          headers: bearer(tenant.admin.token),
        })
      ).statusCode,
    ).toBe(200);

    receiver = await startSmtpReceiver(port);
    // Deliver everything due, as the worker would; the withdrawn messages are not due any more.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.app.ctx.services.mail.deliverDue();

    const recipients = receiver.messages.map((m) => (Array.isArray(m.to) ? m.to[0]?.text : m.to?.text));
    expect(recipients.filter((r) => r === 'revoked@example.com')).toHaveLength(0);
    expect(recipients.filter((r) => r === 'resent@example.com')).toHaveLength(1);
    expect(recipients.filter((r) => r === 'kept@example.com')).toHaveLength(1);

    const view = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v/1/invitations/${revoked.id}`,
        headers: bearer(tenant.admin.token),
      })
    ).json();
    expect(view.delivery).toMatchObject({ status: 'failed' });
    expect(view.delivery.lastError).toContain('revoked');
  });
});
