import { useLocation, useRoute } from 'preact-iso';
import { client } from '../api/client';
import { findHome } from '../api/homes';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { Loading, ProblemNotice } from '../components/notice';
import { ScrollRegion } from '../components/scroll-region';
import { TimeChart } from '../components/time-chart';
import { money, month, num, percent, technologyName } from '../format';
import { NotFound } from './not-found';

/** The monthly report of a home: on screen, and on paper with the browser's print. */
export function ReportPage() {
  const { params } = useRoute();
  const { query, path, route } = useLocation();
  const zone = useTimeZone();
  const ref = decodeURIComponent(params.home ?? '');
  const chosen = /^\d{4}-\d{2}$/.test(query.month ?? '')
    ? (query.month as string)
    : new Date().toISOString().slice(0, 7);
  const load = useLoad(
    async (signal) => {
      const home = await findHome(ref, signal);
      if (!home) return undefined;
      return client.reports.monthly(home.id, chosen, { period: 'day', signal });
    },
    [ref, chosen],
  );
  if (load.state === 'error') {
    if (load.problem.notFound && load.problem.fields.length === 0) return <NotFound what="home" />;
  }
  const report = load.data;
  const perf = report?.performance;
  const ins = report?.insight;
  return (
    <article class="report" aria-labelledby="report-title">
      <nav class="crumbs no-print" aria-label="Breadcrumb">
        <a href="/homes">Homes</a> › <a href={`/homes/${encodeURIComponent(ref)}`}>{ref}</a> ›{' '}
        <span aria-current="page">Monthly report</span>
      </nav>
      <div class="page-head">
        <h1 id="report-title">
          Monthly report: {ref}, {month(`${chosen}-15T12:00:00Z`, zone)}
        </h1>
        <div class="actions no-print">
          <label for="report-month" class="sr-only">
            Month
          </label>
          <input
            id="report-month"
            type="month"
            value={chosen}
            max={new Date().toISOString().slice(0, 7)}
            onChange={(e) => e.currentTarget.value && route(`${path}?month=${e.currentTarget.value}`, true)}
          />
          <button type="button" onClick={() => window.print()} disabled={!report}>
            Print
          </button>
        </div>
      </div>
      {load.state === 'error' && <ProblemNotice problem={load.problem} onRetry={load.reload} />}
      {load.state === 'loading' && !report && <Loading what="the report" />}
      {load.state === 'ready' && !report && <NotFound what="home" />}
      {report && perf && ins && (
        <>
          {!report.complete && <p class="notice">This month is not over yet: the figures are to date.</p>}
          <section class="card" aria-labelledby="r-home">
            <h2 id="r-home">Home and installation</h2>
            <p>
              {[
                ...(report.home.address.addressLines ?? []),
                report.home.address.town,
                report.home.address.postcode,
              ]
                .filter(Boolean)
                .join(', ')}
            </p>
            <p>
              {technologyName(report.installation.technology)}
              {report.installation.manufacturer &&
                `, ${report.installation.manufacturer} ${report.installation.model ?? ''}`}
              {report.installation.ratedCapacityKw
                ? `, ${num(report.installation.ratedCapacityKw, 'kW')}`
                : ''}
            </p>
          </section>
          <section class="card" aria-labelledby="r-eff">
            <h2 id="r-eff">Efficiency</h2>
            <dl class="figures">
              <div>
                <dt>Seasonal performance (SPF)</dt>
                <dd class="big">{num(perf.window.spf, '', 2)}</dd>
                <dd class="muted small">
                  {perf.window.design.spf !== null ? `design ${num(perf.window.design.spf, '', 1)}` : ''} ·
                  boundary {perf.boundary?.level ?? '—'}
                </dd>
              </div>
              <div>
                <dt>Heat delivered</dt>
                <dd class="big">{num(perf.window.heatKwh, 'kWh', 0)}</dd>
              </div>
              <div>
                <dt>Electricity used</dt>
                <dd class="big">{num(perf.window.electricityKwh, 'kWh', 0)}</dd>
              </div>
              <div>
                <dt>Mean flow temperature</dt>
                <dd class="big">{num(perf.window.flowTemperatureWeightedC, '°C', 1)}</dd>
                <dd class="muted small">weighted by heat</dd>
              </div>
              <div>
                <dt>Data coverage</dt>
                <dd class="big">{percent(perf.window.coverage.percent, 1)}</dd>
              </div>
            </dl>
            <TimeChart
              title="COP per day"
              zone={zone}
              height={180}
              times={perf.periods.map((p) => Date.parse(p.start))}
              series={[
                {
                  label: 'COP',
                  unit: '1',
                  color: '#b4411b',
                  kind: 'bars',
                  digits: 2,
                  values: perf.periods.map((p) => p.cop),
                },
              ]}
            />
          </section>
          <section class="card" aria-labelledby="r-cost">
            <h2 id="r-cost">Cost and carbon</h2>
            <dl class="figures">
              <div>
                <dt>Energy cost</dt>
                <dd class="big">
                  {ins.window.cost
                    ? money(ins.window.cost.total, ins.window.cost.currency ?? undefined)
                    : '—'}
                </dd>
                <dd class="muted small">on the home's tariffs, standing charges included</dd>
              </div>
              <div>
                <dt>Carbon</dt>
                <dd class="big">{num(ins.window.carbonKg, 'kg CO₂e', 0)}</dd>
              </div>
              <div>
                <dt>Heating degree days</dt>
                <dd class="big">{num(ins.window.degreeDays?.value, '', 0)}</dd>
                <dd class="muted small">how cold the month was (base 15.5 °C)</dd>
              </div>
            </dl>
          </section>
          <section class="card" aria-labelledby="r-quality">
            <h2 id="r-quality">Data quality</h2>
            <ScrollRegion label="Data quality per meter">
              <table class="cards">
                <thead>
                  <tr>
                    <th scope="col">Meter</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Hours with data</th>
                    <th scope="col">Coverage</th>
                  </tr>
                </thead>
                <tbody>
                  {report.dataQuality.meters.map((m) => (
                    <tr key={m.serial}>
                      <th scope="row">{m.serial}</th>
                      <td data-label="Kind">{m.kind.replaceAll('_', ' ')}</td>
                      <td data-label="Hours with data">
                        {m.hoursWithData} of {m.hours}
                      </td>
                      <td data-label="Coverage">{percent(m.percent, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </section>
        </>
      )}
    </article>
  );
}
