import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * GET /password-resets/confirm?token=… — the page a reset email links to: a plain form that posts
 * to the API's confirmation endpoint. No framework and no external assets; the token is taken out
 * of the address bar at once, and never sent on as a Referer.
 */
export function registerResetPage(app: FastifyInstance, apiPrefix: string): void {
  app.get('/password-resets/confirm', { schema: { hide: true } }, async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
      )
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reset your Hearth password</title>
<style nonce="${nonce}">body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin-top:1rem}input{width:100%;padding:.4rem;font-size:1rem}button{margin-top:1.5rem;padding:.5rem 1rem;font-size:1rem}
#result{margin-top:1rem}</style></head>
<body><h1>Choose a new password</h1>
<form id="reset">
<label>New password (12 or more characters) <input name="password" type="password" required minlength="12" maxlength="256" autocomplete="new-password"></label>
<label>New password again <input name="again" type="password" required minlength="12" maxlength="256" autocomplete="new-password"></label>
<button type="submit">Set my password</button></form>
<p id="result" role="status"></p>
<script nonce="${nonce}">
const token = new URLSearchParams(location.search).get('token') || '';
history.replaceState(null, '', location.pathname);
const form = document.getElementById('reset'), result = document.getElementById('result');
if (!token) result.textContent = 'This link has no reset token: open the link from your email again.';
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  if (data.get('password') !== data.get('again')) { result.textContent = 'The two passwords differ.'; return; }
  const response = await fetch('${apiPrefix}/password-resets/confirmation', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: data.get('password') }) });
  const answer = await response.json().catch(() => ({}));
  result.textContent = response.ok
    ? 'Your password is set, and you are logged out everywhere. Log in with your new password.'
    : (answer.detail || 'Something went wrong; try again.');
  if (response.ok) form.remove();
});
</script></body></html>`;
  });
}
