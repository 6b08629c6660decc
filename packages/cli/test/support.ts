import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A config folder of the CLI's own for one test (tokens, version moves), removed afterwards. */
export function tempConfigDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `hearth <args>` in this process (fast): stdin is `input` (not a terminal), the environment
 * only what is given.
 */
export async function hearth(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from([input]), { isTTY: false });
  const code = await runCli(args, {
    env,
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/**
 * Runs `node --import tsx packages/cli/src/main.ts <args>` as its own process, as a person would run
 * `hearth`: nothing of this process's state is shared, only the config folder on disk.
 */
export function hearthProcess(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'packages/cli/src/main.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}
