import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  BASIC_TRUSTED,
  createTestDatabase,
  dialect,
  OPERATOR,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from '../harness/index.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(
  client: typeof http | typeof https,
  url: string,
  options: https.RequestOptions,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = client.request(url, { ...options, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
    request.setTimeout(10_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

let dir: string;
let certFile: string;
let keyFile: string;
let cert: string;
let db: TestDatabase;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hearth-tls-'));
  certFile = path.join(dir, 'cert.pem');
  keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(certFile, 'utf8');
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`HTTPS with TLS_CERT/TLS_KEY on ${dialect}`, () => {
  let t: TestApp;
  let base: string;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ TLS_CERT: certFile, TLS_KEY: keyFile }, db);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    base = `https://127.0.0.1:${port}`;
  });
  afterAll(async () => t.close());

  it('serves /healthz over HTTPS to a client that trusts the certificate, with HSTS', async () => {
    const answer = await send(https, `${base}/healthz`, { ca: cert });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });

  it('logs in at POST /oauth/token over HTTPS, and the token works there', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: OPERATOR.username,
      password: OPERATOR.password,
    }).toString();
    const answer = await send(
      https,
      `${base}/oauth/token`,
      {
        method: 'POST',
        ca: cert,
        headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      },
      form,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=/);
    expect(answer.headers['cache-control']).toBe('no-store');
    const token = JSON.parse(answer.body);
    expect(token).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });

    const me = await send(https, `${base}/api/v/1/users/me`, {
      ca: cert,
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ username: OPERATOR.username });
    expect(me.headers['strict-transport-security']).toMatch(/^max-age=/);
  });

  it('presents the configured certificate: a client that does not trust it refuses', async () => {
    await expect(send(https, `${base}/healthz`, {})).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('does not speak plain HTTP on that port: a clear-text request gets no answer', async () => {
    const failure = await send(http, `http://127.0.0.1:${port}/healthz`, {}).then(
      (answer) => answer,
      (err: NodeJS.ErrnoException) => err,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(['ECONNRESET', 'EPIPE']).toContain((failure as NodeJS.ErrnoException).code);
  });

  it('puts HSTS on error answers too', async () => {
    const answer = await send(https, `${base}/api/v/99/x`, { ca: cert });
    expect(answer.status).toBe(404);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=/);
  });
});

describe('TLS settings', () => {
  it('with a certificate, a public HOST is accepted', () => {
    const config = loadConfig({ HOST: '0.0.0.0', TLS_CERT: certFile, TLS_KEY: keyFile });
    expect(config.host).toBe('0.0.0.0');
    expect(config.tls?.cert).toBe(cert);
  });

  it('refuses a key that does not belong to the certificate, naming the files', () => {
    const otherKey = path.join(dir, 'other-key.pem');
    execFileSync('openssl', ['genrsa', '-out', otherKey, '2048'], { stdio: 'ignore' });
    expect(() => loadConfig({ TLS_CERT: certFile, TLS_KEY: otherKey })).toThrow(
      new RegExp(`TLS_CERT="${certFile}", TLS_KEY="${otherKey}"`),
    );
    expect(() => loadConfig({ TLS_CERT: keyFile, TLS_KEY: keyFile })).toThrow(
      /not a readable PEM certificate/,
    );
  });
});

describe(`behind a TLS proxy (TRUST_PROXY=true) on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' }, db);
  });
  afterAll(async () => t.close());

  it('sends HSTS when the proxy says the client came over HTTPS, and not otherwise', async () => {
    const viaTls = await t.app.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaTls.headers['strict-transport-security']).toMatch(/^max-age=/);
    const clear = await t.app.inject({ url: '/healthz' });
    expect(clear.headers['strict-transport-security']).toBeUndefined();
  });
});

describe(`without TRUST_PROXY on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, db);
  });
  afterAll(async () => t.close());

  it('ignores a forged X-Forwarded-Proto', async () => {
    const forged = await t.app.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
  });
});
