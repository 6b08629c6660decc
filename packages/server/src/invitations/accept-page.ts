import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * GET /invitations/accept?token=… — the page the invitation email links to: a plain form that
 * posts to the API's acceptance endpoint. No framework and no external assets.
 */
export function registerAcceptPage(app: FastifyInstance, apiPrefix: string): void {
  app.get('/invitations/accept', { schema: { hide: true } }, async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'`,
      )
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept your Hearth invitation</title>
<style nonce="${nonce}">body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin-top:1rem}input{width:100%;padding:.4rem;font-size:1rem}button{margin-top:1.5rem;padding:.5rem 1rem;font-size:1rem}
#result{margin-top:1rem}</style></head>
<body><h1>Accept your invitation</h1>
<form id="accept">
<label>Your name <input name="name" required maxlength="200" autocomplete="name"></label>
<label>Choose a username <input name="username" required pattern="[A-Za-z0-9._@-]{3,64}" autocomplete="username"></label>
<label>Choose a password (12 or more characters) <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
<button type="submit">Create my account</button></form>
<p id="result" role="status"></p>
<script nonce="${nonce}">
const token = new URLSearchParams(location.search).get('token') || '';
const form = document.getElementById('accept'), result = document.getElementById('result');
if (!token) result.textContent = 'This link has no invitation token: open the link from your email again.';
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  const response = await fetch('${apiPrefix}/invitations/acceptance', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, token }) });
  const answer = await response.json().catch(() => ({}));
  result.textContent = response.ok
    ? 'Your account "' + answer.username + '" is ready. Log in with your username and password.'
    : (answer.detail || 'Something went wrong; try again.');
  if (response.ok) form.remove();
});
</script></body></html>`;
  });
}
