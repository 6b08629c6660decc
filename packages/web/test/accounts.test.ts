import { HearthClient } from '@hearth/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startServer } from '../../client/test/support.js';
import {
  createTenant,
  dialect,
  latestMailTo,
  login,
  OPERATOR,
  resetTokenFromMail,
  type Tenant,
} from '../../server/test/harness/index.js';
import {
  buildConsole,
  DIST_DIR,
  expectAccessible,
  haveChromium,
  launch,
  newContext,
  screenshots,
} from './support/browser.js';

// Accounts in the console (issue #16, parts 1 and 7): accepting an invitation and setting a new
// password in the console's own pages, then landing logged in; my account. Once, on SQLite, like
// the other browser tests.
const run = haveChromium && dialect === 'sqlite' ? describe : describe.skip;

let server: LiveServer;
let browser: Browser;
let tenant: Tenant;
let admin: HearthClient;

/** The link in a mail, on this test server (the mail names HEARTH_PUBLIC_URL). */
function linkIn(text: string, page: string): string {
  const link = (text.match(/https?:\/\/\S+/g) ?? []).find((l) => new URL(l).pathname === page);
  if (!link) throw new Error(`no ${page} link in mail:\n${text}`);
  const url = new URL(link);
  return `${server.url}${url.pathname}${url.search}`;
}

/** The field's own error line, as a screen reader reaches it from the input. */
async function fieldError(page: Page, label: string): Promise<string> {
  const input = page.getByLabel(label, { exact: true });
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
  const errorId = ids.find((id) => id.endsWith('-error'));
  return (await page.locator(`#${errorId}`).textContent()) ?? '';
}

run('accounts in the web console, in a real browser', () => {
  beforeAll(async () => {
    buildConsole();
    server = await startServer({ HEARTH_CONSOLE_DIR: DIST_DIR, HEARTH_RATE_LIMIT: '0' });
    const operator = (await login(server.test.app, OPERATOR.username, OPERATOR.password)).access_token;
    tenant = await createTenant(server.test.app, operator, 'Console Accounts');
    admin = new HearthClient({ baseUrl: server.url });
    await admin.login({ username: tenant.admin.username, password: tenant.admin.password });
    browser = await launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an invitee accepts in the console: a weak password is refused beside its field with the input kept, then they land logged in', async () => {
    const email = `iris.${Date.now()}@example.com`;
    await admin.invitations.send({ email, role: 'editor', name: 'Iris Installer' });
    const mail = await latestMailTo(server.test.app, email);
    expect(mail.text).toContain('as an editor.');
    const link = linkIn(mail.text, '/accept-invitation');

    const { context, page, errors } = await newContext(browser);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    // The token leaves the address bar at once.
    await expect.poll(() => new URL(page.url()).search).toBe('');
    await expectAccessible(page, 'accept invitation');
    await screenshots(page, 'accept-invitation');

    await page.getByLabel('Your name').fill('Iris Installer');
    await page.getByLabel('Username').fill('iris.installer');
    await page.getByLabel('Password', { exact: true }).fill('password1234');
    await page.getByRole('button', { name: 'Create my account and log in' }).click();
    await expect.poll(() => fieldError(page, 'Password')).toMatch(/Password is too easy to guess/);
    // Nothing typed is lost, and nothing was created.
    expect(await page.getByLabel('Username').inputValue()).toBe('iris.installer');
    expect(await page.getByLabel('Your name').inputValue()).toBe('Iris Installer');
    await expectAccessible(page, 'accept invitation with an error');
    await screenshots(page, 'accept-invitation-error');
    expect((await admin.users.listPage({ q: 'iris.installer' })).items).toEqual([]);

    await page.getByLabel('Password', { exact: true }).fill('juniper lantern harbour 58');
    await page.getByRole('button', { name: 'Create my account and log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/homes');
    await expect.poll(() => page.locator('.who').textContent()).toContain('Iris Installer');

    const [created] = (await admin.users.listPage({ q: 'iris.installer' })).items;
    expect(created).toMatchObject({ username: 'iris.installer', role: 'editor', name: 'Iris Installer' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a used or unknown invitation link says so in words, and a bare page says where the link comes from', async () => {
    const { context, page, errors } = await newContext(browser);
    await page.goto(`${server.url}/accept-invitation?token=00000000-0000-4000-8000-000000000000`);
    await page.getByLabel('Your name').fill('Nobody');
    await page.getByLabel('Username').fill('nobody.here');
    await page.getByLabel('Password', { exact: true }).fill('juniper lantern harbour 58');
    await page.getByRole('button', { name: 'Create my account and log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invitation/i);
    expect(await page.getByLabel('Username').inputValue()).toBe('nobody.here');

    await page.goto(`${server.url}/accept-invitation`);
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('This page needs the link from your invitation email');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('forgot password: the console asks for the mail, the link sets a new password, and the user lands logged in', async () => {
    const user = await tenant.addUser('viewer');
    const me = await new HearthClient({ baseUrl: server.url }).login({
      username: user.username,
      password: user.password,
    });
    expect(me).toBeDefined();
    const email = (await admin.users.get(user.id)).email as string;

    const { context, page, errors } = await newContext(browser);
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await expectAccessible(page, 'forgot password');
    await screenshots(page, 'forgot-password');
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await screenshots(page, 'forgot-password-sent');

    await server.test.app.ctx.services.passwordResets.idle();
    const mail = await latestMailTo(server.test.app, email);
    expect(mail.subject).toBe('Reset your Hearth password');
    const token = resetTokenFromMail(mail.text);
    await page.goto(linkIn(mail.text, '/reset-password'));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await expect.poll(() => new URL(page.url()).search).toBe('');
    await expectAccessible(page, 'reset password');
    await screenshots(page, 'reset-password');

    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Set my new password and log in' }).click();
    await expect.poll(() => fieldError(page, 'New password')).toMatch(/at least 12 characters/);
    expect(await page.getByLabel('Username').inputValue()).toBe(user.username);

    await page.getByLabel('New password', { exact: true }).fill('cobalt meadow tinker 71');
    await page.getByRole('button', { name: 'Set my new password and log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/homes');

    // The old password no longer logs in, the new one does, and the token is spent.
    const fresh = new HearthClient({ baseUrl: server.url });
    await expect(fresh.login({ username: user.username, password: user.password })).rejects.toThrow();
    await fresh.login({ username: user.username, password: 'cobalt meadow tinker 71' });
    await expect(fresh.passwordResets.confirm({ token, password: 'another fine phrase 93' })).rejects.toThrow(
      /used|invalid|expired/i,
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('my account: a wrong current password is named beside its field; a change keeps this session; log out everywhere ends them all', async () => {
    const user = await tenant.addUser('editor');
    const elsewhere = new HearthClient({ baseUrl: server.url });
    await elsewhere.login({ username: user.username, password: user.password });

    const { context, page, errors } = await newContext(browser);
    await page.goto(`${server.url}/homes`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.locator('.who').click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await expectAccessible(page, 'my account');
    await screenshots(page, 'account');

    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill('orchid falcon pebble 64');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => fieldError(page, 'Current password')).toContain('Current password is wrong');
    expect(await page.getByLabel('New password', { exact: true }).inputValue()).toBe(
      'orchid falcon pebble 64',
    );

    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Your password is changed');
    // The other session ended; this one goes on.
    await expect(elsewhere.me()).rejects.toThrow();
    await page.reload();
    await page.getByRole('heading', { name: 'My account' }).waitFor();

    await elsewhere.login({ username: user.username, password: 'orchid falcon pebble 64' });
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('You have logged out everywhere');
    await expect(elsewhere.me()).rejects.toThrow();
    // A reload finds no session to resume.
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
