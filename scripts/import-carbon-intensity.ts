/**
 * Imports a half-hourly carbon intensity CSV into the configured database, for the carbon
 * calculator (packages/server/src/tariffs/carbon.ts):
 *
 *   npx tsx scripts/import-carbon-intensity.ts <region> <file.csv>
 *
 * The file: a header `time,g_per_kwh`, then one line per half hour (its start, RFC 3339 with a
 * zone, and gCO2e/kWh). The database comes from the same settings as the server (DATA_DIR,
 * DATABASE_URL, HEARTH_CONFIG_FILE). All or nothing: a file with any bad line stores nothing and
 * every bad line is listed. See docs/tariffs.md.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase } from '../packages/server/src/db/database.js';
import { ApiError } from '../packages/server/src/http/errors.js';
import { TariffsRepository } from '../packages/server/src/tariffs/repository.js';
import { TariffsService } from '../packages/server/src/tariffs/service.js';

const [region, file] = process.argv.slice(2);
if (!region || !file) {
  console.error('usage: tsx scripts/import-carbon-intensity.ts <region> <file.csv>');
  process.exit(2);
}
const database = await openDatabase(loadConfig(process.env));
try {
  // Only the import is used: it needs the database, none of the other features.
  const tariffs = new TariffsService(new TariffsRepository(database.db), {
    db: database.db,
  } as ConstructorParameters<typeof TariffsService>[1]);
  const stored = await tariffs.importCarbonIntensity(region, readFileSync(file, 'utf8'));
  console.log(`${stored} half hours stored for region ${region}`);
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
