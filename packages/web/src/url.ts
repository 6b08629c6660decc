/**
 * The URL of `path` with `params` changed by `changes`: a value sets a parameter, `undefined` or ''
 * removes it. Every view keeps its filters, sort and range in the query string this way.
 */
export function withQuery(
  path: string,
  params: Record<string, string | undefined>,
  changes: Record<string, string | undefined>,
): string {
  const next = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...params, ...changes })) if (value) next.set(key, value);
  return next.size ? `${path}?${next}` : path;
}
