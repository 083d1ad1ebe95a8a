/** A 32-bit FNV-1a hash of a string: derives independent, stable seeds from (run seed, cell label). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function deriveSeed(seed: number, label: string): number {
  return hashString(`${seed}:${label}`);
}
