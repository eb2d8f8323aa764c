/**
 * Seeded randomness for the simulator. Noise is a pure function of (seed, stream, index) rather
 * than a sequence, so a quantity at a given instant is the same whichever way the clock got there:
 * history, a live run and a re-run all agree.
 */

/** mulberry32: a small, fast, seeded PRNG for sequences. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32-bit FNV-1a hash of a string, mixed with a seed. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ fmix(seed)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

/** A uniform number in [0, 1) determined by seed, stream and an integer index (e.g. a minute count). */
export function hash01(seed: number, stream: number, index: number): number {
  const lo = index | 0;
  const hi = Math.floor(index / 4294967296) | 0;
  let h = fmix((seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  h = fmix((h ^ Math.imul(lo, 0x27d4eb2f)) >>> 0);
  h = fmix((h ^ Math.imul(hi, 0x165667b1)) >>> 0);
  return h / 4294967296;
}

/**
 * Smooth value noise in [−1, 1]: random values at integer `x`, eased in between, so a signal with a
 * correlation length of one unit of `x`.
 */
export function smoothNoise(seed: number, stream: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const ease = f * f * (3 - 2 * f);
  const a = hash01(seed, stream, i);
  const b = hash01(seed, stream, i + 1);
  return 2 * (a + (b - a) * ease) - 1;
}
