import type {
  Distribution,
  PortfolioInsightQuery,
  PortfolioPerformanceQuery,
  PortfolioPerformanceRow,
} from '@hearth/client';
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { type Problem, problemOf } from '../api/problems';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { Empty, Loading, ProblemNotice } from '../components/notice';
import { ScrollRegion } from '../components/scroll-region';
import { XYChart } from '../components/xy-chart';
import { date, num, percent, TECHNOLOGY_NAMES, technologyName } from '../format';
import { withQuery } from '../url';

const WINDOWS = [
  { key: '7d', label: 'Last 7 days', days: 7 },
  { key: '30d', label: 'Last 30 days', days: 30 },
  { key: '90d', label: 'Last 90 days', days: 90 },
  { key: '12m', label: 'Last 12 months', days: 365 },
];

/** The least share of the window's hours with data for a home's SPF to count (the server's default is 90). */
const COVERAGES = ['90', '75', '50', '25'];

function windowOf(key: string | undefined) {
  const w = WINDOWS.find((x) => x.key === key) ?? WINDOWS[1];
  const to = new Date();
  const from = new Date(to.getTime() - (w?.days ?? 30) * 86_400_000);
  return { key: w?.key ?? '30d', from: from.toISOString() };
}

function Quartiles({
  label,
  d,
  unit,
  digits = 1,
}: {
  label: string;
  d: Distribution;
  unit: string;
  digits?: number;
}) {
  return (
    <tr>
      <th scope="row">{label}</th>
      {d ? (
        <>
          <td>{num(d.min, unit, digits)}</td>
          <td>{num(d.q1, unit, digits)}</td>
          <td>{num(d.median, unit, digits)}</td>
          <td>{num(d.q3, unit, digits)}</td>
          <td>{num(d.max, unit, digits)}</td>
        </>
      ) : (
        <td colSpan={5} class="muted">
          no home with enough data
        </td>
      )}
    </tr>
  );
}

/** SPF in bins of 0.25: how many homes reach each efficiency. */
function histogram(rows: PortfolioPerformanceRow[]) {
  const values = rows.map((r) => r.spf).filter((v): v is number => v !== null);
  if (values.length === 0) return { x: [], y: [] };
  const width = 0.25;
  const lo = Math.floor(Math.min(...values) / width) * width;
  const hi = Math.floor(Math.max(...values) / width) * width;
  const x: number[] = [];
  const y: number[] = [];
  for (let b = lo; b <= hi + 1e-9; b += width) {
    x.push(b + width / 2);
    y.push(values.filter((v) => v >= b && v < b + width).length);
  }
  return { x, y };
}

async function download(
  query:
    | { kind: 'performance'; query: PortfolioPerformanceQuery }
    | { kind: 'insight'; query: PortfolioInsightQuery },
) {
  const { kind } = query;
  const csv =
    query.kind === 'performance'
      ? await client.portfolio.exportPerformanceCsv(query.query)
      : await client.portfolio.exportInsightCsv(query.query);
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `hearth-portfolio-${kind}-${String(query.query.from ?? 'window').slice(0, 10)}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** League tables of the agent's homes: performance (SPF against design) and energy, with quartiles. */
export function PortfolioPage() {
  const { query: params, path, route } = useLocation();
  const zone = useTimeZone();
  // Fixed while the URL stays the same: a window ending "now" at every render would ask again and again.
  const window = useMemo(() => windowOf(params.window), [params.window]);
  const base: { from: string; technology?: string } = {
    from: window.from,
    ...(params.technology ? { technology: params.technology } : {}),
  };
  const coverage = COVERAGES.includes(params.coverage ?? '') ? (params.coverage as string) : '90';
  const sort = (params.sort ?? 'spf') as NonNullable<PortfolioPerformanceQuery['sort']>;
  const order = params.order === 'asc' ? 'asc' : 'desc';
  const performanceQuery: PortfolioPerformanceQuery = {
    ...base,
    minCoverage: Number(coverage),
    sort,
    order,
    limit: 1000,
  };
  const performance = useLoad(
    (signal) => client.portfolio.performance(performanceQuery, { signal }),
    [JSON.stringify(performanceQuery)],
  );
  const insight = useLoad(
    (signal) => client.portfolio.insight({ ...base, limit: 1000 }, { signal }),
    [JSON.stringify(base)],
  );
  const [problem, setProblem] = useState<Problem | undefined>();
  const set = (changes: Record<string, string | undefined>) => route(withQuery(path, params, changes));
  const rows = performance.data?.items ?? [];
  const hist = useMemo(() => histogram(rows), [rows]);
  const scatter = useMemo(() => rows.filter((r) => r.spf !== null && r.flowTemperatureC !== null), [rows]);
  const sortable = (key: string, label: string) => {
    const active = sort === key;
    return (
      <th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
        <button
          type="button"
          class="sort"
          onClick={() => set({ sort: key, order: active && order === 'desc' ? 'asc' : undefined })}
        >
          {label}
          <span aria-hidden="true">{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };
  return (
    <section aria-labelledby="portfolio-title">
      <div class="page-head">
        <h1 id="portfolio-title">Portfolio</h1>
        {performance.data && (
          <p class="muted">
            {date(performance.data.from, zone)} – {date(performance.data.to, zone)} ·{' '}
            {performance.data.summary.homes} homes
          </p>
        )}
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="pf-window">Window</label>
          <select id="pf-window" value={window.key} onChange={(e) => set({ window: e.currentTarget.value })}>
            {WINDOWS.map((w) => (
              <option key={w.key} value={w.key}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="pf-coverage">SPF needs data for</label>
          <select
            id="pf-coverage"
            value={coverage}
            onChange={(e) =>
              set({ coverage: e.currentTarget.value === '90' ? undefined : e.currentTarget.value })
            }
          >
            {COVERAGES.map((c) => (
              <option key={c} value={c}>
                {c} % of the window
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="pf-technology">Technology</label>
          <select
            id="pf-technology"
            value={params.technology ?? ''}
            onChange={(e) => set({ technology: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {Object.entries(TECHNOLOGY_NAMES).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            download({ kind: 'performance', query: { ...base, minCoverage: Number(coverage) } }).catch(
              (err) => setProblem(problemOf(err)),
            )
          }
        >
          Download performance CSV
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            download({ kind: 'insight', query: base }).catch((err) => setProblem(problemOf(err)))
          }
        >
          Download energy CSV
        </button>
      </form>
      {problem && <ProblemNotice problem={problem} />}
      {performance.state === 'error' && (
        <ProblemNotice problem={performance.problem} onRetry={performance.reload} />
      )}
      {!performance.data && performance.state === 'loading' && <Loading what="the portfolio" />}
      {performance.data && (
        <>
          <div class="grid-2">
            <section class="card" aria-labelledby="quartiles-title">
              <h2 id="quartiles-title">Across the homes</h2>
              <ScrollRegion label="Quartiles">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Figure</th>
                      <th scope="col">Lowest</th>
                      <th scope="col">Lower quartile</th>
                      <th scope="col">Median</th>
                      <th scope="col">Upper quartile</th>
                      <th scope="col">Highest</th>
                    </tr>
                  </thead>
                  <tbody>
                    <Quartiles label="SPF" d={performance.data.summary.spf} unit="" digits={2} />
                    <Quartiles
                      label="SPF / design"
                      d={performance.data.summary.spfRatio}
                      unit=""
                      digits={2}
                    />
                    <Quartiles label="Heat" d={performance.data.summary.heat} unit="kWh" digits={0} />
                    <Quartiles
                      label="Electricity"
                      d={performance.data.summary.electricity}
                      unit="kWh"
                      digits={0}
                    />
                    <Quartiles label="Coverage" d={performance.data.summary.coverage} unit="%" digits={0} />
                    <Quartiles
                      label="Flow temperature"
                      d={performance.data.summary.flowTemperature}
                      unit="°C"
                      digits={1}
                    />
                  </tbody>
                </table>
              </ScrollRegion>
              <p class="muted small">
                {performance.data.summary.withSpf} of {performance.data.summary.homes} heat pumps have an SPF:
                at least {performance.data.minCoveragePercent} % of the window's hours have data.
              </p>
            </section>
            <section class="card" aria-labelledby="dist-title">
              <h2 id="dist-title" class="sr-only">
                SPF distribution
              </h2>
              <XYChart
                title="How many homes reach each SPF"
                xLabel="SPF"
                yLabel="Homes"
                mode="bars"
                x={hist.x}
                y={hist.y}
                xDigits={2}
                yDigits={0}
                description={`${performance.data.summary.withSpf} homes with an SPF, median ${num(performance.data.summary.spf?.median, '', 2)}.`}
              />
            </section>
          </div>
          <section class="card" aria-labelledby="flow-title">
            <h2 id="flow-title" class="sr-only">
              SPF against flow temperature
            </h2>
            <XYChart
              title="SPF against flow temperature: cooler flow, better SPF"
              xLabel="Flow temperature (°C, weighted by heat)"
              yLabel="SPF"
              mode="points"
              x={scatter.map((r) => r.flowTemperatureC as number)}
              y={scatter.map((r) => r.spf)}
              names={scatter.map((r) => r.reference)}
              xDigits={1}
              yDigits={2}
              description={`${scatter.length} homes with both an SPF and a flow temperature.`}
            />
          </section>
          <section class="card" aria-labelledby="league-title">
            <h2 id="league-title">Performance league table</h2>
            {rows.length === 0 ? (
              <Empty>No heat pump in this selection.</Empty>
            ) : (
              <ScrollRegion label="Performance league table">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Home</th>
                      <th scope="col">Technology</th>
                      <th scope="col">Boundary</th>
                      {sortable('heat', 'Heat')}
                      {sortable('electricity', 'Electricity')}
                      {sortable('spf', 'SPF')}
                      {sortable('belowDesign', 'SPF / design')}
                      {sortable('coverage', 'Coverage')}
                      <th scope="col">Flow temperature</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.homeId}>
                        <th scope="row">
                          <a href={`/homes/${encodeURIComponent(r.reference)}`}>{r.reference}</a>
                        </th>
                        <td>{technologyName(r.technology)}</td>
                        <td>{r.boundary ?? '—'}</td>
                        <td>{num(r.heatKwh, 'kWh', 0)}</td>
                        <td>{num(r.electricityKwh, 'kWh', 0)}</td>
                        <td>{num(r.spf, '', 2)}</td>
                        <td class={r.spfRatio !== null && r.spfRatio < 0.9 ? 'below' : undefined}>
                          {r.spfRatio === null ? '—' : percent(r.spfRatio * 100)}
                        </td>
                        <td>{percent(r.coveragePercent)}</td>
                        <td>{num(r.flowTemperatureC, '°C', 1)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollRegion>
            )}
          </section>
        </>
      )}
      {insight.data && (
        <section class="card" aria-labelledby="energy-title">
          <h2 id="energy-title">Energy league table</h2>
          <ScrollRegion label="Energy league table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Home</th>
                  <th scope="col">Technology</th>
                  <th scope="col">Electricity</th>
                  <th scope="col">Heat</th>
                  <th scope="col">Gas</th>
                  <th scope="col">PV</th>
                </tr>
              </thead>
              <tbody>
                {insight.data.items.map((r) => (
                  <tr key={r.homeId}>
                    <th scope="row">
                      <a href={`/homes/${encodeURIComponent(r.reference)}`}>{r.reference}</a>
                    </th>
                    <td>{technologyName(r.technology)}</td>
                    <td>{num(r.electricityKwh, 'kWh', 0)}</td>
                    <td>{num(r.heatKwh, 'kWh', 0)}</td>
                    <td>{num(r.gasKwh, 'kWh', 0)}</td>
                    <td>{num(r.pvKwh, 'kWh', 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
      )}
    </section>
  );
}
