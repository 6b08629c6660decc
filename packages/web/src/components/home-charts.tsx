import type { Home } from '@hearth/client';
import { useEffect, useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { dateTime } from '../format';
import { withQuery } from '../url';
import { ProblemNotice } from './notice';
import { PRESETS, type Range, useRange } from './range';
import { type ChartSeries, TimeChart } from './time-chart';

/** About one point per two pixels of a wide chart: the server reduces the series to this many buckets. */
const POINTS = 800;

const TEMPERATURES: { key: string; label: string; color: string }[] = [
  { key: 'flow_temperature', label: 'Flow', color: '#c2410c' },
  { key: 'return_temperature', label: 'Return', color: '#2563eb' },
  { key: 'outdoor_temperature', label: 'Outdoor', color: '#059669' },
  { key: 'indoor_temperature', label: 'Indoor', color: '#7c3aed' },
];
const POWERS: { key: string; label: string; color: string }[] = [
  { key: 'heat_power', label: 'Heat output', color: '#dc2626' },
  { key: 'electricity_power', label: 'Electrical input', color: '#1d4ed8' },
];

type Channel = Home['meters'][number]['channels'][number];

function channelsOf(home: Home, wanted: { key: string; label: string; color: string }[]) {
  const all = home.meters.flatMap((m) => m.channels);
  return wanted.flatMap((w) => {
    const channel = all.find((c) => c.key === w.key);
    return channel ? [{ ...w, channel }] : [];
  });
}

/** Series of several channels on one time axis (the union of their bucket times). */
function align(
  answer: Awaited<ReturnType<typeof client.telemetry.query>>,
  wanted: { label: string; color: string; channel: Channel }[],
  scale: number,
  unit: string,
): { times: number[]; series: ChartSeries[] } {
  const times = [...new Set(answer.channels.flatMap((c) => c.points.map((p) => Date.parse(p.time))))].sort(
    (a, b) => a - b,
  );
  const index = new Map(times.map((t, i) => [t, i]));
  const series = wanted.map((w) => {
    const values: (number | null)[] = new Array(times.length).fill(null);
    const min: (number | null)[] = new Array(times.length).fill(null);
    const max: (number | null)[] = new Array(times.length).fill(null);
    const channel = answer.channels.find((c) => c.channelId === w.channel.id);
    for (const p of channel?.points ?? []) {
      const i = index.get(Date.parse(p.time)) as number;
      values[i] = p.value / scale;
      min[i] = (p.min ?? p.value) / scale;
      max[i] = (p.max ?? p.value) / scale;
    }
    return { label: w.label, color: w.color, unit, values, min, max, digits: unit === 'kW' ? 2 : 1 };
  });
  return { times, series };
}

export function RangePicker({ range }: { range: Range }) {
  const { path, query, route } = useLocation();
  const zone = useTimeZone();
  const set = (changes: Record<string, string | undefined>) =>
    route(withQuery(path, query, { from: undefined, to: undefined, range: undefined, ...changes }), true);
  const span = range.to - range.from;
  const shift = (direction: number) => {
    const to = Math.min(Date.now(), range.to + direction * span * 0.5);
    set({ from: new Date(to - span).toISOString(), to: new Date(to).toISOString() });
  };
  return (
    <div class="range">
      <fieldset class="segmented">
        <legend class="sr-only">Chart range</legend>
        {PRESETS.map((p) => (
          <button
            type="button"
            key={p.key}
            class={range.preset === p.key ? 'selected' : 'secondary'}
            aria-pressed={range.preset === p.key}
            onClick={() => set({ range: p.key })}
          >
            {p.label}
          </button>
        ))}
      </fieldset>
      <span class="range-text">
        {dateTime(range.from, zone)} – {dateTime(range.to, zone)}
      </span>
      <span class="actions">
        <button type="button" class="secondary small" onClick={() => shift(-1)}>
          ◀ Earlier
        </button>
        <button
          type="button"
          class="secondary small"
          disabled={range.to >= Date.now() - 60_000}
          onClick={() => shift(1)}
        >
          Later ▶
        </button>
      </span>
    </div>
  );
}

/** Temperatures and powers over the chosen range, reduced by the server to about the chart's width. */
export function HomeCharts({ home, onSettled }: { home: Home; onSettled?: () => void }) {
  const { query, path, route } = useLocation();
  const zone = useTimeZone();
  const range = useRange();
  const temps = channelsOf(home, TEMPERATURES);
  const powers = channelsOf(home, POWERS);
  const ids = [...temps, ...powers].map((c) => c.channel.id);
  const load = useLoad(
    (signal) =>
      client.telemetry.query(
        home.id,
        {
          channels: ids,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          points: POINTS,
        },
        { signal },
      ),
    [home.id, range.from, range.to, ids.join()],
  );
  const zoom = (from: number, to: number) =>
    route(
      withQuery(path, query, {
        range: undefined,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      }),
    );
  // The rest of the page waits for the charts: the server answers them first.
  const settled = load.state !== 'loading' || ids.length === 0;
  useEffect(() => {
    if (settled) onSettled?.();
  }, [settled, onSettled]);
  const charts = useMemo(() => {
    if (!load.data) return undefined;
    return { temps: align(load.data, temps, 1, '°C'), powers: align(load.data, powers, 1000, 'kW') };
  }, [load.data]);

  if (ids.length === 0) return <p class="empty">This home has no temperature or power channels to chart.</p>;
  return (
    <section aria-labelledby="charts-title" class="card">
      <h2 id="charts-title">Temperatures and power</h2>
      <RangePicker range={range} />
      <p class="muted small">
        Drag across a chart to zoom in. Lines are means over each bucket of time; the shaded bands reach from
        the lowest to the highest reading.
      </p>
      {load.state === 'error' && <ProblemNotice problem={load.problem} onRetry={load.reload} />}
      {load.state === 'loading' && !charts && (
        <p class="loading" role="status">
          Loading readings…
        </p>
      )}
      {charts && (
        <div aria-busy={load.state === 'loading'}>
          {temps.length > 0 && (
            <TimeChart title="Temperatures (°C)" zone={zone} onZoom={zoom} range={range} {...charts.temps} />
          )}
          {powers.length > 0 && (
            <TimeChart
              title="Heat output and electrical input (kW)"
              zone={zone}
              onZoom={zoom}
              range={range}
              {...charts.powers}
            />
          )}
        </div>
      )}
    </section>
  );
}
