import type { Home } from '@hearth/client';
import { useMemo } from 'preact/hooks';
import { client } from '../api/client';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { date, num, percent } from '../format';
import { ProblemNotice } from './notice';
import type { Range } from './range';
import { TimeChart } from './time-chart';

const DAY = 86_400_000;

/**
 * The SPF over the chart's range at the boundary the meters support, with its coverage and quality,
 * and daily COP as bars with the day's mean outdoor temperature over the range (at least 14 days).
 */
export function HomePerformance({ home, range }: { home: Home; range: Range }) {
  const zone = useTimeZone();
  const to = range.to;
  const from = Math.min(range.from, to - 14 * DAY);
  // Beyond three months, weeks: a year of days is 365 bars and a large answer.
  const period = to - from > 92 * DAY ? 'week' : 'day';
  const outdoor = home.meters.flatMap((m) => m.channels).find((c) => c.key === 'outdoor_temperature');
  const load = useLoad(
    async (signal) => {
      const periods = client.performance.get(
        home.id,
        { period, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        { signal },
      );
      // A range of 14 days or more is the bars' own window: one answer gives the bars and the SPF.
      const whole =
        from === range.from
          ? periods
          : client.performance.get(
              home.id,
              {
                period: 'all',
                from: new Date(range.from).toISOString(),
                to: new Date(range.to).toISOString(),
              },
              { signal },
            );
      const [performance, window, weather] = await Promise.all([
        periods,
        whole,
        outdoor
          ? client.telemetry.query(
              home.id,
              {
                channels: [outdoor.id],
                from: new Date(from).toISOString(),
                to: new Date(to).toISOString(),
                resolution: 'day',
                agg: 'avg',
              },
              { signal },
            )
          : Promise.resolve(undefined),
      ]);
      return { performance, whole: window, weather };
    },
    [home.id, Math.floor(range.from / 3_600_000), Math.floor(to / 3_600_000)],
  );
  const chart = useMemo(() => {
    if (!load.data) return undefined;
    const { performance, weather } = load.data;
    const times = performance.periods.map((p) => Date.parse(p.start));
    const days = (weather?.channels[0]?.points ?? []).map((p) => ({ t: Date.parse(p.time), v: p.value }));
    // The mean of the local days' means within each period (a day, or a week).
    const meanOf = (start: number, end: number) => {
      const inside = days.filter((d) => d.t >= start && d.t < end);
      return inside.length ? inside.reduce((n, d) => n + d.v, 0) / inside.length : null;
    };
    return {
      times,
      series: [
        {
          label: 'COP',
          unit: '1',
          color: '#b4411b',
          kind: 'bars' as const,
          digits: 2,
          values: performance.periods.map((p) => p.cop),
        },
        ...(outdoor
          ? [
              {
                label: 'Outdoor mean',
                unit: '°C',
                color: '#059669',
                values: performance.periods.map((p) => meanOf(Date.parse(p.start), Date.parse(p.end))),
              },
            ]
          : []),
      ],
    };
  }, [load.data, outdoor]);

  if (load.state === 'error') return <ProblemNotice problem={load.problem} onRetry={load.reload} />;
  if (!load.data || !chart)
    return (
      <p class="loading" role="status">
        Loading performance…
      </p>
    );
  const { window, boundary } = load.data.whole;
  return (
    <section class="card" aria-labelledby="perf-title">
      <h2 id="perf-title">Efficiency</h2>
      <dl class="figures">
        <div>
          <dt>
            SPF {date(from, zone)} – {date(to, zone)}
          </dt>
          <dd class="big">{num(window.spf, '', 2)}</dd>
          <dd class="muted small">
            {window.design.spf !== null ? `design ${num(window.design.spf, '', 1)}` : 'no design SPF given'}
            {window.design.spfRatio !== null && ` · ${percent(window.design.spfRatio * 100)} of design`}
          </dd>
        </div>
        <div>
          <dt>Boundary</dt>
          <dd class="big">{boundary?.level ?? '—'}</dd>
          <dd class="muted small">{boundary?.description.replace(/^H\d: /, '')}</dd>
        </div>
        <div>
          <dt>Data coverage</dt>
          <dd class="big">{percent(window.coverage.percent, 1)}</dd>
          <dd class="muted small">
            {window.coverage.hoursWithData} of {window.coverage.hours} hours
          </dd>
        </div>
        <div>
          <dt>Heat / electricity</dt>
          <dd class="big">{num(window.heatKwh, 'kWh', 0)}</dd>
          <dd class="muted small">for {num(window.electricityKwh, 'kWh', 0)} of electricity</dd>
        </div>
      </dl>
      {!window.quality.ok && (
        <div class="notice" role="note">
          <p class="notice-title">The SPF is withheld</p>
          <ul>
            {window.quality.reasons.map((r) => (
              <li key={r.code}>{r.message}</li>
            ))}
          </ul>
        </div>
      )}
      <TimeChart
        title={`COP per ${period}, with its mean outdoor temperature`}
        zone={zone}
        height={220}
        {...chart}
      />
    </section>
  );
}
