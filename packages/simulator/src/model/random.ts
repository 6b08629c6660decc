/**
 * Random streams of a simulated home. Everything that varies with time (weather, meter noise, hot
 * water draws) is a pure function of (seed, index): an integer hash rather than a sequential RNG, so
 * a value does not depend on how often or in which order it was asked for. That is what makes
 * `Simulation.advance` deterministic however its calls are split.
 */

/** The MurmurHash3 32-bit finaliser: a cheap, well-mixed integer hash (Appleby, public domain). */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash of a seed and up to two integer indices (bucket numbers, sample numbers, day numbers). */
export function hash3(seed: number, a: number, b = 0): number {
  return mix32(mix32(mix32(seed) ^ Math.imul(a | 0, 0x9e3779b1)) + Math.imul(b | 0, 0x7feb352d));
}

const TWO_POW_32 = 4294967296;

/** Uniform in [0, 1). */
export function hashUnit(seed: number, a: number, b = 0): number {
  return hash3(seed, a, b) / TWO_POW_32;
}

/**
 * Approximately standard normal (mean 0, sd 1): the sum of three uniforms, rescaled. Bounded
 * (±3.46), which suits physical noise better than a true Gaussian's rare wild tails.
 */
export function hashGauss(seed: number, a: number, b = 0): number {
  const h1 = hash3(seed, a, b);
  const h2 = mix32(h1 + 0x6d2b79f5);
  const h3 = mix32(h2 + 0x6d2b79f5);
  return ((h1 + h2 + h3) / TWO_POW_32 - 1.5) * 2;
}

/**
 * Smooth value noise: normal knots every `periodMs`, joined by a smoothstep. Its standard deviation
 * over time is about 0.85 and its correlation time about one period.
 */
export function valueNoise(seed: number, t: number, periodMs: number): number {
  const x = t / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = hashGauss(seed, i);
  const b = hashGauss(seed, i + 1);
  return a + (b - a) * f * f * (3 - 2 * f);
}

/** FNV-1a of a string, to turn a home's reference and a purpose name into a 32-bit salt. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** The seed of one purpose's stream of one home: seed, reference and purpose all change it. */
export function streamSeed(seed: number, reference: string, purpose: string): number {
  return mix32(hash3(seed >>> 0, hashString(reference), hashString(purpose)));
}

/**
 * mulberry32 (Tommy Ettinger, public domain): a small sequential PRNG with a 32-bit state, used only
 * where a short list of numbers is drawn at once from a hashed seed (one day's hot water draws).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}
