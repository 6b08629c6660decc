import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isoTime } from '../../src/db/time.js';

it('writes any stored time exactly as Date.toISOString does', () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 }), (ms) => {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }),
    { numRuns: 20_000 },
  );
  for (const ms of [
    0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, 1_798_761_599_999, 253_402_300_799_999,
  ]) {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  }
});
