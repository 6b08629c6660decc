import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialect, type TestDatabase } from '../harness/index.js';

// The seed's curl example, run as a real curl process against the real server started as
// `HEARTH_OPERATOR_USERNAME=oper_a HEARTH_OPERATOR_PASSWORD=pword npm start` would start it.

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The seed's header; the seed itself spells it dHJ1c3RlZDpzZWNYZXQ= (trusted:secXet, a typo).
const CORRECT_HEADER = 'Authorization:Basic dHJ1c3RlZDpzZWNyZXQ=';
const SEED_TYPO_HEADER = 'Authorization:Basic dHJ1c3RlZDpzZWNYZXQ=';

/** curl -X POST <base>/oauth/token -d grant_type=password -d username=oper_a -d password=pword -H <header> */
const seedCurl = (base: string, header: string, ...extra: string[]) =>
  run('curl', [
    ...extra,
    '-X',
    'POST',
    `${base}/oauth/token`,
    '-d',
    'grant_type=password',
    '-d',
    'username=oper_a',
    '-d',
    'password=pword',
    '-H',
    header,
  ]);

/** Splits `curl -i` output into status, lower-cased headers and body. */
function parseIncluded(output: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', ...rest] = output.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe(`the seed's curl example against a real server (${dialect})`, () => {
  let database: TestDatabase;
  let server: ChildProcess | undefined;
  let base = '';
  let port = 0;
  let stdout = '';
  let exitCode: number | null | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: ROOT,
      // Only what the server needs: nothing leaks in from the environment running the tests.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? database.dataDir,
        ...database.env,
        HEARTH_OPERATOR_USERNAME: 'oper_a',
        HEARTH_OPERATOR_PASSWORD: 'pword',
        HEARTH_DEMO: 'off',
        HEARTH_MQTT: 'off',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    server.on('exit', (code) => {
      exitCode = code;
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start:\n${stdout}\n${stderr}`)),
        45_000,
      );
      server?.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const match = /Hearth is listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          port = Number(match[2]);
          resolve(match[1]);
        }
      });
      server?.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`));
      });
    });
  });

  afterAll(async () => {
    if (server && exitCode === undefined) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
  });

  it('prints where it listens: loopback, on the port the OS chose', () => {
    expect(base).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
  });

  it('returns a token for the seed command verbatim, with the correct header', async () => {
    const { stdout: body } = await seedCurl(base, CORRECT_HEADER);
    const json = JSON.parse(body);
    expect(json).toMatchObject({
      token_type: 'Bearer',
      access_token: expect.stringMatching(UUID_SHAPE),
      expires_in: expect.any(Number),
    });
    expect(Number.isInteger(json.expires_in) && json.expires_in > 0).toBe(true);

    // The token works on the API, through curl as well.
    const { stdout: me } = await run('curl', [
      '-sS',
      '-H',
      `Authorization: Bearer ${json.access_token}`,
      `${base}/api/v/1/users/me`,
    ]);
    expect(JSON.parse(me)).toMatchObject({ username: 'oper_a', role: 'operator' });
  });

  it('answers the seed command with 200, JSON and no-store', async () => {
    const { stdout: output } = await seedCurl(base, CORRECT_HEADER, '-sS', '-i');
    const response = parseIncluded(output);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
  });

  it("answers the seed's own (typo) header with invalid_client", async () => {
    const { stdout: body } = await seedCurl(base, SEED_TYPO_HEADER);
    expect(JSON.parse(body)).toEqual({ error: 'invalid_client', error_description: expect.any(String) });

    const response = parseIncluded((await seedCurl(base, SEED_TYPO_HEADER, '-sS', '-i')).stdout);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    expect(response.body).not.toContain('access_token');
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

  it.skipIf(!external)(
    `is not reachable on a non-loopback address (${external ?? 'none here'})`,
    async () => {
      const socket = connect({ host: external as string, port });
      const [error] = await Promise.race([
        once(socket, 'error'),
        once(socket, 'connect').then(() => [new Error('connected')]),
      ]);
      socket.destroy();
      expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    },
  );

  it('stops cleanly on SIGTERM', async () => {
    const exited = once(server as ChildProcess, 'exit');
    server?.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
