import {
  ApiVersionGoneError,
  AuthenticationError,
  HearthApiError,
  HearthConnectionError,
  HearthError,
  NotFoundError,
  NotLoggedInError,
  OAuthError,
  PermissionError,
  RateLimitError,
} from '@hearth/client';
import { CommanderError } from 'commander';
import { ExitCode, InterruptedError, UsageError } from './io.js';
import { CLI_VERSION } from './version.js';

/** How to get a CLI for the server's current API version. */
export const upgradeAdvice = (version: number | undefined): string =>
  `upgrade the hearth CLI to a release for API version ${version ?? 'the server answers'} ` +
  '(in a Hearth checkout: `git pull && npm install`)';

/** An error as one line for stderr (`hearth: <sentence> (code, request id …)`) and its exit code. */
export function describeError(err: unknown, server: string | undefined): { line: string; exitCode: number } {
  const at = server ?? 'the server';
  const tail = (code: string, requestId?: string) =>
    requestId ? ` (${code}, request id ${requestId})` : ` (${code})`;
  const sentence = (text: string) => text.replace(/\.\s*$/, '');

  if (err instanceof ApiVersionGoneError) {
    const retired = err.retiredVersion ?? '?';
    const now =
      err.currentVersions.length > 0 ? `; it now answers version ${err.currentVersions.join(', ')}` : '';
    return {
      line:
        `the server at ${at} has retired API version ${retired}, which this hearth CLI (${CLI_VERSION}) speaks${now}. ` +
        `To go on, ${upgradeAdvice(err.currentVersions.at(-1))}${tail(err.code, err.requestId)}`,
      exitCode: ExitCode.apiRetired,
    };
  }
  if (err instanceof NotLoggedInError) {
    const why = err.cause ? `${sentence(err.message)}: ` : `you are not logged in to ${at}: `;
    return { line: `${why}run \`hearth login --server ${at}\`${tail(err.code)}`, exitCode: ExitCode.auth };
  }
  if (err instanceof RateLimitError) {
    const wait = err.retryAfter === undefined ? '' : `; try again in ${err.retryAfter} seconds`;
    const detail = sentence(err.detail).replace(/; try again in \d+ seconds$/i, '');
    return { line: `${detail}${wait}${tail(err.code, err.requestId)}`, exitCode: ExitCode.failure };
  }
  if (err instanceof OAuthError) {
    const advice = err.error === 'invalid_client' ? ' (check HEARTH_CLIENT_ID and HEARTH_CLIENT_SECRET)' : '';
    return {
      line: `${sentence(err.detail)}${advice}${tail(err.code, err.requestId)}`,
      exitCode: ExitCode.auth,
    };
  }
  if (err instanceof AuthenticationError) {
    return {
      line: `${sentence(err.detail)}: run \`hearth login --server ${at}\`${tail(err.code, err.requestId)}`,
      exitCode: ExitCode.auth,
    };
  }
  if (err instanceof HearthApiError) {
    const exitCode =
      err instanceof PermissionError
        ? ExitCode.auth
        : err instanceof NotFoundError
          ? ExitCode.notFound
          : ExitCode.failure;
    return { line: `${sentence(err.detail)}${tail(err.code, err.requestId)}`, exitCode };
  }
  if (err instanceof HearthConnectionError) {
    return { line: `${sentence(err.message)}${tail(err.code)}`, exitCode: ExitCode.failure };
  }
  if (err instanceof HearthError)
    return { line: `${sentence(err.message)}${tail(err.code)}`, exitCode: ExitCode.failure };
  if (err instanceof UsageError) return { line: sentence(err.message), exitCode: ExitCode.usage };
  if (err instanceof InterruptedError) return { line: 'interrupted', exitCode: ExitCode.interrupted };
  if (err instanceof CommanderError)
    return { line: sentence(err.message.replace(/^error: /, '')), exitCode: ExitCode.usage };
  const message = err instanceof Error ? err.message : String(err);
  return { line: `unexpected failure: ${message}`, exitCode: ExitCode.failure };
}
