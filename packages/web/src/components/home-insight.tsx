import type { Home } from '@hearth/client';
import { useMemo } from 'preact/hooks';
import { client } from '../api/client';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { money, month, num } from '../format';
import { ProblemNotice } from './notice';
import { ScrollRegion } from './scroll-region';
import { TimeChart } from './time-chart';

/** Monthly energy, cost and carbon over the last twelve months (insight). */
export function HomeInsight({ home }: { home: Home }) {
  const zone = useTimeZone();
  const load = useLoad(
    (signal) => {
      const now = new Date();
      const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
      return client.insight.get(home.id, { period: 'month', from: from.toISOString() }, { signal });
    },
    [home.id],
  );
  const periods = useMemo(
    () =>
      (load.data?.periods ?? []).filter(
        (p) => p.electricityKwh !== null || p.heatKwh !== null || p.gasKwh !== null,
      ),
    [load.data],
  );
  if (load.state === 'error') return <ProblemNotice problem={load.problem} onRetry={load.reload} />;
  if (!load.data)
    return (
      <p class="loading" role="status">
        Loading energy and cost…
      </p>
    );
  const times = periods.map((p) => Date.parse(p.start));
  const hasGas = periods.some((p) => p.gasKwh !== null);
  return (
    <section class="card" aria-labelledby="insight-title">
      <h2 id="insight-title">Energy, cost and carbon by month</h2>
      {periods.length === 0 ? (
        <p class="empty">No month with readings yet.</p>
      ) : (
        <>
          <TimeChart
            title="Energy per month (kWh)"
            period="month"
            zone={zone}
            height={200}
            times={times}
            series={[
              {
                label: 'Heat delivered',
                unit: 'kWh',
                color: '#dc2626',
                kind: 'bars',
                values: periods.map((p) => p.heatKwh),
                digits: 0,
              },
              {
                label: 'Electricity used',
                unit: 'kWh',
                color: '#1d4ed8',
                kind: 'bars',
                values: periods.map((p) => p.electricityKwh),
                digits: 0,
              },
              ...(hasGas
                ? [
                    {
                      label: 'Gas used',
                      unit: 'kWh',
                      color: '#d97706',
                      kind: 'bars' as const,
                      values: periods.map((p) => p.gasKwh),
                      digits: 0,
                    },
                  ]
                : []),
            ]}
          />
          <ScrollRegion label="Energy, cost and carbon by month">
            <table class="cards">
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Heat</th>
                  <th scope="col">Electricity</th>
                  {hasGas && <th scope="col">Gas</th>}
                  <th scope="col">Cost</th>
                  <th scope="col">Carbon</th>
                </tr>
              </thead>
              <tbody>
                {periods.map((p) => (
                  <tr key={p.start}>
                    <th scope="row">{month(p.start, zone)}</th>
                    <td data-label="Heat">{num(p.heatKwh, 'kWh', 0)}</td>
                    <td data-label="Electricity">{num(p.electricityKwh, 'kWh', 0)}</td>
                    {hasGas && <td data-label="Gas">{num(p.gasKwh, 'kWh', 0)}</td>}
                    <td data-label="Cost">
                      {p.cost ? money(p.cost.total, p.cost.currency ?? undefined) : '—'}
                    </td>
                    <td data-label="Carbon">{num(p.carbonKg, 'kg CO₂e', 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </>
      )}
    </section>
  );
}
