import { runCli } from './cli.js';

// A reader that stops early (`hearth telemetry export … | head`) closes the pipe: stop quietly, as
// Unix tools do, rather than crash on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// The process's own streams and environment; tests call runCli with their own.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
