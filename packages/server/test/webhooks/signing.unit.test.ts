import { describe, expect, it } from 'vitest';
import { latestDigestTime } from '../../src/notifications/digest.js';
import { newSecret, sign, verifySignature } from '../../src/webhooks/signing.js';
import { isPrivateAddress, urlProblem } from '../../src/webhooks/url-policy.js';
import { verify } from '../harness/index.js';

describe('webhook signatures', () => {
  it('signs t.body with HMAC-SHA256 so that the documented receiver check and the server agree', () => {
    const secret = newSecret();
    const body = '{"id":"x","type":"alarm.raised","data":{"ü":"✓"}}';
    const now = Math.floor(Date.now() / 1000);
    const header = sign(secret, body, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(secret, body, header)).toBe(true);
    expect(verifySignature(secret, body, header, now)).toBe(true);
    // A known vector: HMAC-SHA256("k", "1700000000.{}").
    expect(sign('k', '{}', 1_700_000_000)).toBe(
      't=1700000000,v1=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146',
    );
    for (const [s, b, h] of [
      ['whsec_other', body, header],
      [secret, `${body} `, header],
      [secret, body, header.replace(/t=\d+/, `t=${now + 1}`)],
      [secret, body, 'v1=abc'],
      [secret, body, ''],
    ] as const) {
      expect(verifySignature(s, b, h, now)).toBe(false);
      expect(verify(s, b, h)).toBe(false);
    }
    // Too old: outside the receiver's tolerance.
    expect(verifySignature(secret, body, sign(secret, body, now - 301), now)).toBe(false);
  });
});

describe('webhook URL policy', () => {
  it('knows private addresses, IPv4 and IPv6', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.8',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '2a00:1450:4009:81f::200e',
      '::ffff:8.8.8.8',
      'example.com',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('allows https to public hosts always, and private hosts (with http) only when configured', () => {
    expect(urlProblem('https://hooks.example.com/x?y=1', false)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/x', false)).toMatch(/private/);
    expect(urlProblem('http://127.0.0.1:8080/x', true)).toBeUndefined();
    expect(urlProblem('https://localhost/x', true)).toBeUndefined();
    expect(urlProblem('http://hooks.example.com/x', true)).toMatch(/must be https/);
  });
});

describe('daily digest time', () => {
  it("is the latest digest hour of the agent's local day, across daylight saving changes", () => {
    const at = (iso: string) => Date.parse(iso);
    // London in winter is UTC; in summer UTC+1.
    expect(latestDigestTime(at('2026-01-10T08:00:00Z'), 'Europe/London', 7)).toBe(at('2026-01-10T07:00:00Z'));
    expect(latestDigestTime(at('2026-01-10T06:59:59Z'), 'Europe/London', 7)).toBe(at('2026-01-09T07:00:00Z'));
    expect(latestDigestTime(at('2026-07-10T06:30:00Z'), 'Europe/London', 7)).toBe(at('2026-07-10T06:00:00Z'));
    // The morning the clocks go forward (29 March 2026) still has its 07:00 (06:00 UTC).
    expect(latestDigestTime(at('2026-03-29T12:00:00Z'), 'Europe/London', 7)).toBe(at('2026-03-29T06:00:00Z'));
    // An hour the clocks skip (01:00 that morning) moves forward, and is still at most now.
    const skipped = latestDigestTime(at('2026-03-29T12:00:00Z'), 'Europe/London', 1);
    expect(skipped).toBeLessThanOrEqual(at('2026-03-29T12:00:00Z'));
    expect(skipped).toBeGreaterThan(at('2026-03-28T12:00:00Z'));
  });
});
