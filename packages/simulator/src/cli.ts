/**
 * `npm run simulate -- <command>`: the simulator on its own. `demo` feeds a fleet into any Hearth
 * server through its API (like `npm start` does for its own); `truth` runs the fleet offline and
 * prints what really happened (the figures analytics must find); `readings` prints one home's
 * readings as CSV.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.js';
import { demoFleet } from './fleet.js';
import { csvWeather, simulateHome } from './model/index.js';
import type { HomeSpec, WeatherSource } from './types.js';

const DAY = 86_400_000;

const positiveInt = (max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
  return n;
};
const days = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3660)
    throw new InvalidArgumentError('must be a number of days from 0 to 3660');
  return n;
};

async function readPassword(): Promise<string> {
  if (process.env.HEARTH_PASSWORD) return process.env.HEARTH_PASSWORD;
  if (process.stdin.isTTY) throw new InvalidArgumentError('give the password in HEARTH_PASSWORD or on stdin');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const line = text.split(/\r?\n/)[0]?.trim();
  if (!line) throw new InvalidArgumentError('give the password in HEARTH_PASSWORD or on stdin');
  return line;
}

/** The fleet's homes for an offline run: `--home N` picks one (1-based), else all `--homes`. */
function pickHomes(options: { homes: number; home?: number; from: number; faults: boolean }): HomeSpec[] {
  const fleet = demoFleet({
    start: options.from,
    homes: Math.max(options.homes, options.home ?? 0),
    faults: options.faults,
    varied: true,
  });
  return options.home ? [fleet[options.home - 1] as HomeSpec] : fleet;
}

function weatherOf(file: string | undefined): WeatherSource | undefined {
  return file ? csvWeather(readFileSync(file, 'utf8')) : undefined;
}

// `simulate readings … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('simulate')
  .description('Hearth simulator: realistic homes and meters, fed through the platform’s API')
  .showHelpAfterError();

program
  .command('demo')
  .description(
    'create the demo fleet on a server through its API (orders, gateways), backfill, then stream live',
  )
  .requiredOption('--server <url>', 'the platform, e.g. http://127.0.0.1:8080')
  .requiredOption('--username <name>', 'an admin or editor of the agent (password: HEARTH_PASSWORD or stdin)')
  .option('--homes <n>', 'homes in the fleet', positiveInt(200), 20)
  .option('--days <n>', 'days of history on the first run', days, 60)
  .option('--prefix <text>', 'order reference prefix', 'DEMO')
  .option('--mqtt <url>', 'MQTT broker for every third home (e.g. mqtt://127.0.0.1:1883)')
  .option('--no-live', 'stop after the backfill')
  .option(
    '--speed <k>',
    'stream the history live at k times real time instead of backfilling it',
    (v: string) => {
      const k = Number(v);
      if (!Number.isFinite(k) || k < 1 || k > 100_000)
        throw new InvalidArgumentError('must be a number from 1 to 100000');
      return k;
    },
  )
  .action(async (options) => {
    const run = runDemo({
      baseUrl: options.server,
      username: options.username,
      password: await readPassword(),
      homes: options.homes,
      days: options.days,
      prefix: options.prefix,
      live: options.live,
      ...(options.speed ? { speed: options.speed } : {}),
      ...(options.mqtt ? { mqttUrl: options.mqtt } : {}),
      log: (message) => process.stderr.write(`${message}\n`),
    });
    const stop = () => void run.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const summary = await run.ready;
    process.stdout.write(
      `${summary.homes.length} homes; ${summary.stored} readings stored, ${summary.duplicates} duplicates, ${summary.refused} refused\n`,
    );
    if (!options.live) await run.stop();
    else process.stderr.write('streaming live readings; Ctrl-C to stop\n');
  });

program
  .command('truth')
  .description('simulate fleet homes offline and print their ground truth as JSON')
  .option('--homes <n>', 'homes in the fleet', positiveInt(200), 20)
  .option('--home <n>', 'only this home (1-based)', positiveInt(200))
  .option('--days <n>', 'days to simulate, ending now', days, 60)
  .option('--no-faults', 'leave the demo faults out')
  .option(
    '--weather <csv>',
    'a half-hourly weather file (unix s, °C, RH %, W/m², price) instead of the model',
  )
  .action((options) => {
    const to = Math.floor(Date.now() / DAY) * DAY;
    const from = to - Math.round(options.days) * DAY;
    const weather = weatherOf(options.weather);
    const truths = pickHomes({ ...options, from }).map((spec) => {
      const sim = simulateHome(spec, { start: from, ...(weather ? { weather } : {}) });
      while (sim.now < to) sim.advance(Math.min(to, sim.now + DAY));
      const { days: _days, ...totals } = sim.truth();
      return { reference: spec.reference, technology: spec.technology, ...totals };
    });
    process.stdout.write(`${JSON.stringify(truths, null, 2)}\n`);
  });

program
  .command('readings')
  .description('print one fleet home’s readings as CSV (meter,channel,time,value)')
  .requiredOption('--home <n>', 'the home (1-based)', positiveInt(200))
  .option('--days <n>', 'days to simulate, ending now', days, 1)
  .option('--no-faults', 'leave the demo faults out')
  .option('--weather <csv>', 'a half-hourly weather file instead of the model')
  .action((options) => {
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    const from = Math.floor((to - options.days * DAY) / DAY) * DAY;
    const [spec] = pickHomes({ homes: options.home, home: options.home, from, faults: options.faults });
    const weather = weatherOf(options.weather);
    const sim = simulateHome(spec as HomeSpec, { start: from, ...(weather ? { weather } : {}) });
    process.stdout.write('meter,channel,time,value\n');
    while (sim.now < to) {
      const lines = sim
        .advance(Math.min(to, sim.now + DAY))
        .map((r) => `${r.meter},${r.channel},${new Date(r.t).toISOString()},${r.value}`);
      if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
    }
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`simulate: ${err.message}\n`);
  process.exit(1);
});
