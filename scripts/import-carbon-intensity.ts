/**
 * Imports a half-hourly carbon intensity CSV for a region into the configured database, for the
 * carbon calculator (packages/server/src/tariffs/carbon.ts), without a running server. The same as
 * `PUT /api/v/1/regions/{region}/carbon-intensity` (or `hearth regions import-carbon`), which is
 * the way to load a series into a running platform:
 *
 *   npx tsx scripts/import-carbon-intensity.ts <region> <file.csv>
 *
 * The file: a header `time,g_per_kwh`, then one line per half hour (its start, RFC 3339 with a
 * zone, and gCO2e/kWh). The database comes from the same settings as the server (DATA_DIR,
 * DATABASE_URL, HEARTH_CONFIG_FILE). All or nothing: a file with any bad line stores nothing and
 * every bad line is listed. See docs/tariffs.md and docs/operations.md.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { ApiError } from '../packages/server/src/http/errors.js';
import { RegionsRepository } from '../packages/server/src/regions/repository.js';
import { RegionsService } from '../packages/server/src/regions/service.js';
import { TariffsRepository } from '../packages/server/src/tariffs/repository.js';
import { TariffsService } from '../packages/server/src/tariffs/service.js';

const [region, file] = process.argv.slice(2);
if (!region || !file) {
  console.error('usage: tsx scripts/import-carbon-intensity.ts <region> <file.csv>');
  process.exit(2);
}
const config = loadConfig(process.env);
const database = await openDatabase(config);
try {
  // Only the import is used: it needs the database, none of the other features.
  const tariffs = new TariffsService(new TariffsRepository(database.db), {
    db: database.db,
  } as ConstructorParameters<typeof TariffsService>[1]);
  const regions = new RegionsService(new RegionsRepository(database.db), {
    db: database.db,
    tariffs,
    defaultRegion: config.defaultRegion,
  });
  const { view } = await regions.putCarbonIntensity(region, readFileSync(file, 'utf8'));
  console.log(`${view.stored} half hours stored for region ${region} (${view.first} to ${view.last})`);
} catch (err) {
  if (err instanceof ApiError) {
    const problems = err.extra.errors ?? [];
    console.error(problems.length > 0 ? `${problems.length} bad line(s), nothing stored:` : err.message);
    for (const problem of problems) console.error(`  ${problem.field}: ${problem.message}`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await database.close();
}
