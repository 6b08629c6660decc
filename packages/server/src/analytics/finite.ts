/**
 * The last guard between arithmetic and an answer. Stored figures are bounded when read (an hour
 * holding an impossible value counts as an hour without data), so sums stay finite; a ratio of a
 * finite figure to a vanishing one can still overflow. JSON has no NaN or Infinity (Fastify's
 * serialiser fails on a NaN, and on an Infinity where the schema allows null), so every analytics
 * answer passes here: each non-finite number becomes null, and the paths replaced are returned
 * for the caller to state why (performance marks the period's quality not ok).
 */
export function withholdNonFinite(value: unknown, path = ''): string[] {
  const replaced: string[] = [];
  visit(value, path, replaced);
  return replaced;
}

function visit(value: unknown, path: string, replaced: string[]): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'number' && !Number.isFinite(item)) {
        value[i] = null;
        replaced.push(`${path}[${i}]`);
      } else if (item !== null && typeof item === 'object') visit(item, `${path}[${i}]`, replaced);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const at = path ? `${path}.${key}` : key;
    if (typeof item === 'number' && !Number.isFinite(item)) {
      record[key] = null;
      replaced.push(at);
    } else if (item !== null && typeof item === 'object') visit(item, at, replaced);
  }
}
