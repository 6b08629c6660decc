import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A JSON answer over real HTTP: status, headers and the parsed body (undefined when empty). */
export interface LiveResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the body holds
  json: any;
}

/** The app listening on 127.0.0.1 at a free port, and a fetch of its routes over real HTTP. */
export interface Live {
  base: string;
  /** A request to `path`, under /api/v/1 unless it starts with `/oauth/` or `/api/` or `root` is set. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string>; root?: boolean },
  ): Promise<LiveResponse>;
}

export async function listen(app: FastifyInstance): Promise<Live> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    async request(method, path, options = {}) {
      const url = options.root || /^\/(oauth|api)\//.test(path) ? `${base}${path}` : `${base}/api/v/1${path}`;
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
  };
}
