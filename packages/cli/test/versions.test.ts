import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LiveServer, OPERATOR, startServer } from '../../client/test/support.js';
import { dialect } from '../../server/test/harness/index.js';
import { hearthProcess, tempConfigDir } from './support.js';

describe(`the hearth CLI and a server that moved v1 to v2 (${dialect})`, () => {
  let server: LiveServer;
  let config: ReturnType<typeof tempConfigDir>;
  beforeEach(async () => {
    server = await startServer({ HEARTH_API_VERSIONS: '1=moved:2,2=current' });
    config = tempConfigDir();
  });
  afterEach(async () => {
    await server.close();
    config.remove();
  });

  it('remembers the move across separate processes: the second run goes straight to v2', async () => {
    const env = {
      HEARTH_CONFIG_DIR: config.dir,
      HEARTH_SERVER: server.url,
      HEARTH_PASSWORD: OPERATOR.password,
    };

    const first = await hearthProcess(['login', '--username', OPERATOR.username], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Logged in to ${server.url} as operator`);
    expect(server.seenSince(0)).toEqual([
      'POST /oauth/token 200',
      'GET /api/v/1/users/me 301',
      'GET /api/v/2/users/me 200',
    ]);
    const moves = JSON.parse(readFileSync(path.join(config.dir, 'versions.json'), 'utf8'));
    expect(moves).toEqual({ [server.url]: { '/api/v/1': '/api/v/2' } });

    const mark = server.requests.length;
    const second = await hearthProcess(
      [
        'agents',
        'create',
        '--json',
        '--name',
        'Warm Homes Ltd',
        '--admin-email',
        'alice@example.com',
        '--admin-name',
        'Alice Smith',
      ],
      env,
    );
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const created = JSON.parse(second.stdout);
    expect(created).toMatchObject({
      name: 'Warm Homes Ltd',
      adminInvitation: { email: 'alice@example.com' },
    });
    expect(server.seenSince(mark)).toEqual(['POST /api/v/2/agents 201']);
  });
});

describe(`the hearth CLI and a server that retired v1 (${dialect})`, () => {
  let server: LiveServer;
  let config: ReturnType<typeof tempConfigDir>;
  beforeEach(async () => {
    server = await startServer({ HEARTH_API_VERSIONS: '1=retired,2=current' });
    config = tempConfigDir();
  });
  afterEach(async () => {
    await server.close();
    config.remove();
  });

  it('says the server retired the version and how to upgrade, in one line, and exits 10', async () => {
    const env = {
      HEARTH_CONFIG_DIR: config.dir,
      HEARTH_SERVER: server.url,
      HEARTH_PASSWORD: OPERATOR.password,
    };
    const result = await hearthProcess(['login', '--username', OPERATOR.username], env);
    expect(result.code).toBe(10);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^hearth: the server at ${server.url.replaceAll('.', '\\.')} has retired API version 1, which this hearth CLI \\(0\\.1\\.0\\) speaks; it now answers version 2\\. ` +
          'To go on, upgrade the hearth CLI to a release for API version 2 \\(in a Hearth checkout: `git pull && npm install`\\) \\(api_version_retired, request id [0-9a-f-]{36}\\)$',
      ),
    );
    expect(server.seenSince(0)).toEqual(['POST /oauth/token 200', 'GET /api/v/1/users/me 410']);
  });
});
