import http from 'node:http';

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A keep-alive HTTP/1.1 client for one server (node:http: the least client overhead). */
export class Client {
  private readonly agent: http.Agent;

  constructor(
    readonly base: string,
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<Answer> {
    const url = new URL(path, this.base);
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      if (options.body !== undefined) req.end(options.body);
      else req.end();
    });
  }

  /** A JSON call with a bearer token; throws unless the status is the expected one. */
  async json<T = unknown>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    expect = [200, 201],
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let text: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      text = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const answer = await this.request(method, path, {
      headers,
      ...(text !== undefined ? { body: text } : {}),
    });
    if (!expect.includes(answer.status)) {
      throw new Error(`${method} ${path}: ${answer.status} ${answer.body.slice(0, 500)}`);
    }
    return (answer.body ? JSON.parse(answer.body) : undefined) as T;
  }

  /** POST /oauth/token with a form body and HTTP Basic client authentication. */
  async token(clientId: string, clientSecret: string, form: Record<string, string>): Promise<string> {
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      'base64',
    );
    const answer = await this.request('POST', '/oauth/token', {
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    if (answer.status !== 200) throw new Error(`POST /oauth/token: ${answer.status} ${answer.body}`);
    return (JSON.parse(answer.body) as { access_token: string }).access_token;
  }

  close(): void {
    this.agent.destroy();
  }
}
