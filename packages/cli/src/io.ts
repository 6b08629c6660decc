import type { FetchLike } from '@hearth/client';

/** What the CLI reads and writes: the process's streams, or a test's. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** The HTTP the SDK uses (default: the global fetch). */
  fetch?: FetchLike;
}

/** The exit codes, for scripts: `hearth whoami || [ $? -eq 3 ] && hearth login`. */
export const ExitCode = {
  ok: 0,
  /** The server refused the request, or could not be reached. */
  failure: 1,
  /** The command line is wrong: unknown command or option, a missing or bad value. */
  usage: 2,
  /** Not logged in, the login was refused or has ended, or your role may not do this. */
  auth: 3,
  /** No such resource (or not one you may see). */
  notFound: 4,
  /**
   * `telemetry import` went through the whole file, but some rows were refused by the server or
   * could not be read (each is listed by its line number); the others were stored.
   */
  rowsRefused: 5,
  /** The server retired the API version this CLI speaks: upgrade the CLI. */
  apiRetired: 10,
  /** Interrupted at a prompt (Ctrl-C). */
  interrupted: 130,
} as const;

/** A mistake on the command line found by the CLI itself (commander finds the others). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ctrl-C at a prompt. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}
