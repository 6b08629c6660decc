/** A value or a promise of it: stores may be synchronous (memory) or not (a file, IndexedDB). */
export type Awaitable<T> = T | Promise<T>;

/**
 * Where the client remembers API version moves (the seed: "Clients MUST handle 301 Moved
 * Permanently redirects and SHOULD remember them"). A move is a version prefix of one server moved
 * to another: `http://hearth.example` `/api/v/1` → `/api/v/2`. The default keeps moves in memory
 * for the life of the client; give a persistent one (the CLI keeps a file) to remember them across
 * runs. `server` is the client's base URL without a trailing slash.
 */
export interface VersionStore {
  /** The prefix `prefix` moved to on `server`, if a move was seen. */
  get(server: string, prefix: string): Awaitable<string | undefined>;
  /** Remembers that `prefix` moved to `movedTo` on `server`. */
  set(server: string, prefix: string, movedTo: string): Awaitable<void>;
}

/** Version moves kept in memory: the default, for one client's lifetime. */
export class MemoryVersionStore implements VersionStore {
  private readonly moves = new Map<string, string>();
  get(server: string, prefix: string): string | undefined {
    return this.moves.get(`${server} ${prefix}`);
  }
  set(server: string, prefix: string, movedTo: string): void {
    this.moves.set(`${server} ${prefix}`, movedTo);
  }
}

/** An OAuth2 login as the client keeps it. Times are epoch milliseconds. */
export interface TokenSet {
  accessToken: string;
  /** Absent when the OAuth client is not allowed the refresh_token grant. */
  refreshToken?: string;
  /** When the access token expires (from `expires_in`, on this machine's clock). */
  expiresAt: number;
  /** When the access token was issued, so the client can refresh before `expiresAt`. */
  issuedAt: number;
  scope?: string;
}

/**
 * Where the client keeps its tokens. The default keeps them in memory; the CLI keeps them in a file
 * of mode 0600 so a login outlives the process. Every refresh replaces the stored set (refresh
 * tokens are single-use: a stale one would end the session).
 */
export interface TokenStore {
  get(): Awaitable<TokenSet | undefined>;
  set(tokens: TokenSet): Awaitable<void>;
  clear(): Awaitable<void>;
}

/** Tokens kept in memory, optionally starting from a set obtained elsewhere. */
export class MemoryTokenStore implements TokenStore {
  constructor(private tokens?: TokenSet) {}
  get(): TokenSet | undefined {
    return this.tokens;
  }
  set(tokens: TokenSet): void {
    this.tokens = tokens;
  }
  clear(): void {
    this.tokens = undefined;
  }
}
