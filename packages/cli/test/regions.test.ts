import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startServer, unique } from '../../client/test/support.js';
import { dialect, OPERATOR } from '../../server/test/harness/index.js';
import { hearth, tempConfigDir } from './support.js';

let server: LiveServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`hearth regions (${dialect})`, () => {
  it('imports weather and carbon intensity from files, lists them, and names every bad line', async () => {
    const config = tempConfigDir();
    try {
      const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
      const run = (args: string[], input?: string) => hearth(args, env, input);
      expect((await run(['login', '--username', OPERATOR.username], `${OPERATOR.password}\n`)).code).toBe(0);
      const region = `cli-${unique()}`;

      const weather = path.join(config.dir, 'weather.csv');
      writeFileSync(weather, 'date,mean_c\n2026-01-05,5.5\n2026-01-06,7.25\n');
      const imported = await run(['regions', 'import-weather', region, weather, '--json']);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toEqual({
        region,
        stored: 2,
        first: '2026-01-05',
        last: '2026-01-06',
      });

      const carbon = await run(
        ['regions', 'import-carbon', region, '-'],
        'time,g_per_kwh\n2026-01-05T00:00:00Z,120\n',
      );
      expect(carbon.code).toBe(0);
      expect(carbon.stdout).toContain('2026-01-05T00:00:00.000Z');

      const listed = await run(['regions', 'list', '--json']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toContainEqual({
        name: region,
        isDefault: false,
        weather: { first: '2026-01-05', last: '2026-01-06', days: 2 },
        carbonIntensity: {
          first: '2026-01-05T00:00:00.000Z',
          last: '2026-01-05T00:00:00.000Z',
          halfHours: 1,
        },
      });
      const table = await run(['regions', 'list']);
      expect(table.stdout).toMatch(new RegExp(`${region}\\s+2026-01-05\\s+2026-01-06\\s+2`));

      writeFileSync(weather, 'date,mean_c\n2026-01-07,cold\n2026-02-30,4\n');
      const bad = await run(['regions', 'import-weather', region, weather]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('line 2: cold is not a mean temperature');
      expect(bad.stderr).toContain('line 3: 2026-02-30 is not a date');
      const missing = await run(['regions', 'import-carbon', region, path.join(config.dir, 'none.csv')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('cannot read');
    } finally {
      config.remove();
    }
  });
});
