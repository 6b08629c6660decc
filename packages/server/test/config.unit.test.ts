import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { timeout } from './harness/timeouts.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** loadConfig must refuse this environment; returns the error so its message can be read. */
function refused(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('configuration: defaults', () => {
  it('listens on 127.0.0.1:8080 with SQLite in ./data when nothing is set', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(path.resolve('./data'), 'hearth.db') });
    expect(config.tls).toBeUndefined();
    expect(config.trustProxy).toBe(false);
    expect(config.versions.current).toEqual([1]);
    expect(config.oauthClients).toEqual([
      { id: 'trusted', secret: 'secret', grants: ['password', 'refresh_token'] },
    ]);
  });

  it('puts the SQLite file under DATA_DIR, and takes PostgreSQL or another SQLite file from DATABASE_URL', () => {
    expect(loadConfig({ DATA_DIR: dir }).database).toEqual({
      kind: 'sqlite',
      file: path.join(dir, 'hearth.db'),
    });
    const url = 'postgres://hearth:pw@db.internal:5432/hearth';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url });
    expect(loadConfig({ DATABASE_URL: `sqlite://${dir}/other.db` }).database).toEqual({
      kind: 'sqlite',
      file: path.join(dir, 'other.db'),
    });
  });

  it('gives a password reset token 30 minutes unless HEARTH_PASSWORD_RESET_TTL says otherwise (seconds)', () => {
    expect(loadConfig({}).passwordResetTtl).toBe(1800);
    expect(loadConfig({ HEARTH_PASSWORD_RESET_TTL: '600' }).passwordResetTtl).toBe(600);
  });

  it('accepts HEARTH_DEMO=off (and on)', () => {
    expect(loadConfig({ HEARTH_DEMO: 'off' }).demo).toBe(false);
    expect(loadConfig({ HEARTH_DEMO: 'on' }).demo).toBe(true);
  });

  it('accepts a public HOST when TRUST_PROXY says a TLS proxy is in front', () => {
    const behindProxy = loadConfig({ HOST: '0.0.0.0', TRUST_PROXY: 'true' });
    expect(behindProxy.host).toBe('0.0.0.0');
    expect(behindProxy.trustProxy).toBe(true);
    const listed = loadConfig({ HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.0/8, 192.168.1.7' });
    expect(listed.trustProxy).toBe('10.0.0.0/8,192.168.1.7');
  });

  it('accepts the loopback addresses without TLS', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    }
  });
});

describe('configuration: bad values are refused, naming the variable and the value', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT="abc"'],
    [{ PORT: '70000' }, 'PORT=70000'],
    [{ PORT: '0x1F90' }, 'PORT="0x1F90"'],
    [{ HEARTH_DEMO: 'maybe' }, 'HEARTH_DEMO="maybe"'],
    [{ HEARTH_API_VERSIONS: 'garbage' }, 'HEARTH_API_VERSIONS="garbage"'],
    [{ HEARTH_API_VERSIONS: '1=moved:3' }, 'HEARTH_API_VERSIONS="1=moved:3"'],
    [{ HEARTH_API_VERSIONS: '1=retired' }, 'HEARTH_API_VERSIONS="1=retired"'],
    [{ HEARTH_ACCESS_TOKEN_TTL: '0' }, 'HEARTH_ACCESS_TOKEN_TTL=0'],
    [{ HEARTH_PASSWORD_RESET_TTL: '59' }, 'HEARTH_PASSWORD_RESET_TTL=59'],
    [{ HEARTH_PASSWORD_RESET_TTL: '86401' }, 'HEARTH_PASSWORD_RESET_TTL=86401'],
    [{ HEARTH_PASSWORD_RESET_TTL: '30m' }, 'HEARTH_PASSWORD_RESET_TTL="30m"'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL="verbose"'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY="yes"'],
    [{ TRUST_PROXY: '1' }, 'TRUST_PROXY="1"'],
    [{ HOST: '0.0.0.0' }, 'HOST=0.0.0.0'],
    [{ HOST: '::' }, 'HOST=::'],
    [{ HOST: '192.168.1.20' }, 'HOST=192.168.1.20'],
  ])('%j', (env, named) => {
    const error = refused(env);
    expect(error.message).toContain(named);
    expect(error.problems).toHaveLength(1);
  });

  it('explains why a public HOST without TLS is refused', () => {
    const error = refused({ HOST: '0.0.0.0' });
    expect(error.message).toMatch(/not a loopback address/);
    expect(error.message).toMatch(/TLS_CERT/);
    expect(error.message).toMatch(/TRUST_PROXY/);
  });

  it('refuses TLS_CERT without TLS_KEY (and the reverse), naming the file given', () => {
    const cert = refused({ TLS_CERT: '/etc/hearth/cert.pem' });
    expect(cert.message).toContain('TLS_CERT="/etc/hearth/cert.pem"');
    expect(cert.message).toContain('TLS_KEY');
    const key = refused({ TLS_KEY: '/etc/hearth/key.pem' });
    expect(key.message).toContain('TLS_KEY="/etc/hearth/key.pem"');
  });

  it('refuses TLS files that cannot be read, naming both', () => {
    const missing = path.join(dir, 'missing.pem');
    const error = refused({ TLS_CERT: missing, TLS_KEY: missing });
    expect(error.message).toContain(`TLS_CERT="${missing}"`);
    expect(error.message).toContain(`TLS_KEY="${missing}"`);
    // No HOST complaint on top: the operator asked for TLS, the files are the problem.
    expect(error.problems).toHaveLength(1);
  });

  it('refuses HEARTH_OAUTH_CLIENTS that is not JSON, or not a client list, without echoing secrets', () => {
    const notJson = refused({ HEARTH_OAUTH_CLIENTS: '{id: trusted, secret: hunter2}' });
    expect(notJson.message).toContain('HEARTH_OAUTH_CLIENTS');
    expect(notJson.message).toMatch(/not JSON/);
    expect(notJson.message).not.toContain('hunter2');

    const badGrant = refused({
      HEARTH_OAUTH_CLIENTS: '[{"id":"app","secret":"hunter2","grants":["implicit"]}]',
    });
    expect(badGrant.message).toContain('HEARTH_OAUTH_CLIENTS');
    expect(badGrant.message).toContain('/0/grants/0');
    expect(badGrant.message).not.toContain('hunter2');

    const twice = refused({
      HEARTH_OAUTH_CLIENTS: '[{"id":"app","secret":"a"},{"id":"app","secret":"b"}]',
    });
    expect(twice.message).toContain('"app" is given twice');
    expect(refused({ HEARTH_OAUTH_CLIENTS: '[]' }).message).toContain('HEARTH_OAUTH_CLIENTS');
  });

  it('never repeats a password in the message', () => {
    const password = `pw-${'x'.repeat(300)}`;
    const error = refused({ HEARTH_OPERATOR_PASSWORD: password });
    expect(error.message).toContain('HEARTH_OPERATOR_PASSWORD');
    expect(error.message).not.toContain(password.slice(0, 20));

    const url = refused({ DATABASE_URL: 'mysql://root:hunter2@db/hearth' });
    expect(url.message).toContain('DATABASE_URL="mysql://root:***@db/hearth"');
    expect(url.message).not.toContain('hunter2');
  });

  it('lists every problem at once', () => {
    const error = refused({
      PORT: 'abc',
      HEARTH_DEMO: 'maybe',
      HEARTH_API_VERSIONS: 'garbage',
      HEARTH_OAUTH_CLIENTS: 'nope',
      LOG_LEVEL: 'loud',
      HOST: '0.0.0.0',
    });
    expect(error.problems).toHaveLength(6);
    for (const variable of [
      'PORT',
      'HEARTH_DEMO',
      'HEARTH_API_VERSIONS',
      'HEARTH_OAUTH_CLIENTS',
      'LOG_LEVEL',
    ]) {
      expect(error.problems.some((p) => p.startsWith(variable))).toBe(true);
    }
    expect(error.problems.some((p) => p.startsWith('HOST=0.0.0.0'))).toBe(true);
    expect(error.message.split('\n').length).toBe(7);
  });
});

describe('configuration file (HEARTH_CONFIG_FILE)', () => {
  it('reads settings from a JSON file, and the environment overrides it', () => {
    const file = path.join(dir, 'hearth.json');
    writeFileSync(
      file,
      JSON.stringify({
        HOST: '127.0.0.2',
        PORT: 9090,
        HEARTH_DEMO: 'off',
        HEARTH_MQTT: 'off',
        HEARTH_ACCESS_TOKEN_TTL: 600,
        // A file may give the client list as JSON rather than as a string holding JSON.
        HEARTH_OAUTH_CLIENTS: [{ id: 'portal', secret: 'portal-secret' }],
      }),
    );
    const fromFile = loadConfig({ HEARTH_CONFIG_FILE: file });
    expect(fromFile.host).toBe('127.0.0.2');
    expect(fromFile.port).toBe(9090);
    expect(fromFile.demo).toBe(false);
    expect(fromFile.accessTokenTtl).toBe(600);
    expect(fromFile.oauthClients).toEqual([
      { id: 'portal', secret: 'portal-secret', grants: ['password', 'refresh_token'] },
    ]);

    const overridden = loadConfig({ HEARTH_CONFIG_FILE: file, PORT: '7070', HEARTH_DEMO: 'on' });
    expect(overridden.port).toBe(7070);
    expect(overridden.demo).toBe(true);
    expect(overridden.host).toBe('127.0.0.2');
  });

  it('validates file values like environment values', () => {
    const file = path.join(dir, 'bad-port.json');
    writeFileSync(file, JSON.stringify({ PORT: 70000 }));
    expect(refused({ HEARTH_CONFIG_FILE: file }).message).toContain('PORT=70000');
  });

  it('refuses a file that is missing, not JSON, not an object, or names an unknown setting', () => {
    const missing = path.join(dir, 'nope.json');
    expect(refused({ HEARTH_CONFIG_FILE: missing }).message).toContain(`HEARTH_CONFIG_FILE="${missing}"`);

    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"PORT": 80');
    expect(refused({ HEARTH_CONFIG_FILE: broken }).message).toMatch(/HEARTH_CONFIG_FILE=.*JSON/);

    const list = path.join(dir, 'list.json');
    writeFileSync(list, '[1, 2]');
    expect(refused({ HEARTH_CONFIG_FILE: list }).message).toMatch(/JSON object/);

    const typo = path.join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ PROT: 80 }));
    expect(refused({ HEARTH_CONFIG_FILE: typo }).message).toContain('"PROT" is not a Hearth setting');
  });
});

describe('starting the real server in the clear on a public address', () => {
  it('exits non-zero with a clear message on stderr, and never listens', async () => {
    const dataDir = path.join(dir, 'never-created');
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        HOST: '0.0.0.0',
        PORT: '0',
        DATA_DIR: dataDir,
        HEARTH_DEMO: 'off',
        HEARTH_MQTT: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`main.ts did not exit; stdout: ${stdout}`));
      }, timeout(25_000));
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain('HOST=0.0.0.0 is not a loopback address');
    expect(stderr).toMatch(/TLS_CERT/);
    expect(stdout).not.toMatch(/listening/i);
    // It stopped before touching anything: the data folder was never made.
    expect(existsSync(dataDir)).toBe(false);
  });
});
