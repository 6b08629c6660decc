import { expect, it } from 'vitest';
import { parseTime } from '../../src/telemetry/service.js';

it('reads RFC 3339 date-times as Date.parse does, and refuses the ones that are not', () => {
  for (const s of [
    '2026-11-28T09:00:00Z',
    '2026-11-28T09:00:00.5Z',
    '2026-11-28T09:00:00.123456789+01:30',
    '2024-02-29T00:00:00-05:00',
    '2026-11-28 09:00:00z',
    '0099-01-01T00:00:00Z',
  ]) {
    expect(parseTime(s), s).toBe(Date.parse(s.replace(' ', 'T')));
  }
  for (const s of [
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T09:00:00',
    '2026-11-28T09:00:00+0100',
    '2026-11-28T09:00:60Z',
    '2026-11-28T09:00:00.Z',
    'x026-11-28T09:00:00Z',
    '2026-11-28T09:00:00Zx',
  ]) {
    expect(parseTime(s), s).toBeUndefined();
  }
});
