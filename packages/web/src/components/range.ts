import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
/** The time range a home's charts show, kept in the URL (?range=7d or ?from=…&to=…). */
export interface Range {
  from: number;
  to: number;
  preset?: string;
}

export const PRESETS: { key: string; label: string; ms: number }[] = [
  { key: '1h', label: 'Hour', ms: 3_600_000 },
  { key: '24h', label: 'Day', ms: 86_400_000 },
  { key: '7d', label: 'Week', ms: 7 * 86_400_000 },
  { key: '30d', label: 'Month', ms: 30 * 86_400_000 },
  { key: '1y', label: 'Year', ms: 365 * 86_400_000 },
];

export function rangeOf(params: Record<string, string>, now = Date.now()): Range {
  const from = params.from ? Date.parse(params.from) : Number.NaN;
  const to = params.to ? Date.parse(params.to) : Number.NaN;
  if (Number.isFinite(from) && Number.isFinite(to) && to > from) return { from, to: Math.min(to, now) };
  const preset = PRESETS.find((p) => p.key === params.range) ?? PRESETS[1];
  return { from: now - (preset?.ms ?? 86_400_000), to: now, preset: preset?.key };
}

/**
 * The range of the current URL, fixed while the URL stays the same: a preset's "now" is taken once,
 * not at every render (which would ask the server again and again).
 */
export function useRange(): Range {
  const { query } = useLocation();
  return useMemo(() => rangeOf(query), [query.range, query.from, query.to]);
}
