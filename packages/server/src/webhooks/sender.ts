import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress, urlProblem } from './url-policy.js';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Aborts the attempt (the server is stopping). */
  signal?: AbortSignal;
  /** The DNS lookup behind the guard (node:dns lookup); tests give a resolver with known answers. */
  resolver?: typeof dnsLookup;
}

/** What one attempt came to: the receiver's status (none when it never answered) and, on failure, why. */
export interface WebhookResponse {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** The most of a failing receiver's answer kept in the delivery log. */
const MAX_BODY_KEPT = 500;

/**
 * A DNS lookup that refuses private addresses unless they are allowed, so a public name that
 * resolves (or is rebound) to an internal address is never reached.
 */
function guardedLookup(allowPrivate: boolean, resolver: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) {
        const refused = new Error(`${hostname} resolves only to private addresses, which are refused`);
        return callback(Object.assign(refused, { code: 'EPRIVATE' }), '', 0);
      }
      if ((options as { all?: boolean }).all)
        return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs one delivery. Success is a 2xx within the timeout (redirects are not followed: a 3xx is a
 * failure, so a delivery never lands somewhere the URL check did not see).
 */
export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  // The policy of create and update, again: a URL stored before the policy was tightened, or
  // under HEARTH_WEBHOOKS_ALLOW_PRIVATE since switched off, is refused here too.
  const problem = urlProblem(request.url, request.allowPrivateNetworks);
  if (problem) return Promise.resolve({ ok: false, status: null, error: `the URL ${problem}` });
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest;
    function abort() {
      req.destroy();
      done({ ok: false, status: null, error: 'aborted: the server is stopping' });
    }
    const done = (result: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
      resolve(result);
    };
    req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: guardedLookup(request.allowPrivateNetworks, request.resolver),
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < MAX_BODY_KEPT) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', () => {
          if (status >= 200 && status < 300) return done({ ok: true, status, error: null });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_KEPT).trim();
          done({ ok: false, status, error: `HTTP ${status}${text ? `: ${text}` : ''}` });
        });
        res.on('error', (err) => done({ ok: false, status, error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, status: null, error: `no answer within ${request.timeoutMs} ms` });
    }, request.timeoutMs);
    req.on('error', (err) => done({ ok: false, status: null, error: err.message || String(err) }));
    if (request.signal?.aborted) abort();
    else request.signal?.addEventListener('abort', abort, { once: true });
    req.end(request.body);
  });
}
