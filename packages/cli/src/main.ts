import { runCli } from './cli.js';

// The process's own streams and environment; tests call runCli with their own.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
