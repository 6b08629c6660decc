/**
 * Node-only stores that keep tokens and version moves in files (`@hearth/client/node`). The core
 * SDK imports nothing from `node:`, so it runs in browsers; these are for CLIs and scripts.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TokenSet, TokenStore, VersionStore } from './stores.js';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof SyntaxError) return undefined; // a damaged file is treated as empty, then rewritten
    throw err;
  }
}

/**
 * Writes JSON readable by the owner only (0600, folder 0700), replacing the file in one step so a
 * crash never leaves half a file behind.
 */
export async function writePrivateJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFile is masked by the umask; chmod is not.
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

type Moves = Record<string, Record<string, string>>;

/** Version moves kept in a JSON file (`{ "<server>": { "/api/v/1": "/api/v/2" } }`), remembered across runs. */
export class FileVersionStore implements VersionStore {
  constructor(readonly file: string) {}

  private async load(): Promise<Moves> {
    const value = await readJson(this.file);
    return value && typeof value === 'object' ? (value as Moves) : {};
  }

  async get(server: string, prefix: string): Promise<string | undefined> {
    const moved = (await this.load())[server]?.[prefix];
    return typeof moved === 'string' ? moved : undefined;
  }

  async set(server: string, prefix: string, movedTo: string): Promise<void> {
    const moves = await this.load();
    moves[server] = { ...moves[server], [prefix]: movedTo };
    await writePrivateJson(this.file, moves);
  }
}

/** Tokens kept in a JSON file of mode 0600. */
export class FileTokenStore implements TokenStore {
  constructor(readonly file: string) {}

  async get(): Promise<TokenSet | undefined> {
    const value = (await readJson(this.file)) as Partial<TokenSet> | undefined;
    return typeof value?.accessToken === 'string' ? (value as TokenSet) : undefined;
  }

  async set(tokens: TokenSet): Promise<void> {
    await writePrivateJson(this.file, tokens);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
