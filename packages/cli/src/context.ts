import path from 'node:path';
import { HearthClient, type HearthClientOptions } from '@hearth/client';
import { FileVersionStore } from '@hearth/client/node';
import { type Command, InvalidArgumentError } from 'commander';
import { configDir, DEFAULT_SERVER, normaliseServer, Sessions } from './config.js';
import { type CliIo, UsageError } from './io.js';
import { Output } from './output.js';
import { Prompter } from './prompt.js';

/** Options every command takes (declared on the program). */
export interface GlobalOptions {
  server?: string;
  json?: boolean;
}

/** What a command works with: where to send requests, how to print, how to ask. */
export class Context {
  readonly out: Output;
  readonly sessions: Sessions;
  readonly prompter: Prompter;
  readonly dir: string;
  /** The server this command talks to, once known (error messages name it). */
  server: string | undefined;
  /** The exit code of a command that finished but not wholly (telemetry import); 0 when unset. */
  exitCode: number | undefined;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {
    this.out = new Output(io, options.json === true);
    this.dir = configDir(io.env);
    this.sessions = new Sessions(this.dir);
    this.prompter = new Prompter(io);
  }

  /** --server, else HEARTH_SERVER, else the server of the last login, else the platform's default. */
  async resolveServer(): Promise<string> {
    if (this.server) return this.server;
    const given = this.options.server ?? this.io.env.HEARTH_SERVER;
    let server: string;
    try {
      server = normaliseServer(given ?? (await this.sessions.current()) ?? DEFAULT_SERVER);
    } catch {
      throw new UsageError(`--server ${given} is not a URL; give one like http://127.0.0.1:8080`);
    }
    this.server = server;
    return server;
  }

  /**
   * The SDK client for the server: tokens from credentials.json, version moves remembered in
   * versions.json across runs. `username`: the login about to be made (hearth login).
   */
  async client(username?: string, options: Partial<HearthClientOptions> = {}): Promise<HearthClient> {
    const server = await this.resolveServer();
    return new HearthClient({
      baseUrl: server,
      tokenStore: this.sessions.tokenStore(server, username),
      versionStore: new FileVersionStore(path.join(this.dir, 'versions.json')),
      ...(this.io.env.HEARTH_CLIENT_ID ? { clientId: this.io.env.HEARTH_CLIENT_ID } : {}),
      ...(this.io.env.HEARTH_CLIENT_SECRET ? { clientSecret: this.io.env.HEARTH_CLIENT_SECRET } : {}),
      ...(this.io.fetch ? { fetch: this.io.fetch } : {}),
      ...options,
    });
  }
}

/** A number option (`--limit 20`), refused with a usage error when it is not a positive integer. */
export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) {
      throw new InvalidArgumentError(`${name} must be a positive whole number.`);
    }
    return Number(value);
  };
}

/** The command's global options merged with its own. */
export const optionsOf = <T>(command: Command): T & GlobalOptions =>
  command.optsWithGlobals<T & GlobalOptions>();
