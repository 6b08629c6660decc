import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { TokenSet, TokenStore } from '@hearth/client';
import { writePrivateJson } from '@hearth/client/node';

/** The server the CLI talks to when none is given, logged in to or set: the platform's own default. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/**
 * The CLI's folder: HEARTH_CONFIG_DIR, else $XDG_CONFIG_HOME/hearth, else ~/.config/hearth. It holds
 * credentials.json (tokens, mode 0600) and versions.json (API version moves the servers announced).
 */
export function configDir(env: Record<string, string | undefined>): string {
  if (env.HEARTH_CONFIG_DIR) return path.resolve(env.HEARTH_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'hearth');
}

/** One server's login as the CLI keeps it. */
export interface Session {
  username: string;
  tokens: TokenSet;
}

interface CredentialsFile {
  /** The server of the last login: commands go there unless told otherwise. */
  current?: string;
  sessions: Record<string, Session>;
}

/** `https://x/` and `https://x` are one server: the URL as the SDK normalises it. */
export function normaliseServer(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

/**
 * credentials.json: a login per server, so tokens for one server are never sent to another.
 * Written whole, mode 0600, on every change (login, each token refresh, logout).
 */
export class Sessions {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'credentials.json');
  }

  private async load(): Promise<CredentialsFile> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<CredentialsFile>;
      return { ...parsed, sessions: parsed.sessions ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError)
        return { sessions: {} };
      throw err;
    }
  }

  async current(): Promise<string | undefined> {
    return (await this.load()).current;
  }

  async get(server: string): Promise<Session | undefined> {
    return (await this.load()).sessions[server];
  }

  private async update(change: (file: CredentialsFile) => void): Promise<void> {
    const file = await this.load();
    change(file);
    await writePrivateJson(this.file, file);
  }

  /** The SDK's token store for one server; `username` names the login it is about to make. */
  tokenStore(server: string, username?: string): TokenStore {
    return {
      get: async () => (await this.get(server))?.tokens,
      set: (tokens) =>
        this.update((file) => {
          const name = username ?? file.sessions[server]?.username ?? '';
          file.sessions[server] = { username: name, tokens };
          // A login makes this the server of later commands; a refresh changes nothing else.
          if (username !== undefined) file.current = server;
        }),
      clear: () =>
        this.update((file) => {
          delete file.sessions[server];
        }),
    };
  }
}
