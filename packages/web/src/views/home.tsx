import type { Home } from '@hearth/client';
import { useCallback, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { client } from '../api/client';
import { findHome } from '../api/homes';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { AlarmTable } from '../components/alarm-table';
import { type Connection, ConnectionBadge } from '../components/badges';
import { HomeCharts } from '../components/home-charts';
import { HomeInsight } from '../components/home-insight';
import { HomePerformance } from '../components/home-performance';
import { Loading, ProblemNotice } from '../components/notice';
import { useRange } from '../components/range';
import { ago, dateTime, num, technologyName } from '../format';
import { NotFound } from './not-found';

const QUANTITY_ORDER = ['temperature', 'power', 'energy', 'flow_rate', 'volume', 'state'];

function Latest({ home }: { home: Home }) {
  const zone = useTimeZone();
  const load = useLoad((signal) => client.homes.meters(home.id, { signal }), [home.id]);
  const latest = useLoad((signal) => client.telemetry.latest(home.id, { signal }), [home.id]);
  if (load.state === 'error') return <ProblemNotice problem={load.problem} onRetry={load.reload} />;
  if (!load.data) return <Loading what="meters" />;
  const values = new Map((latest.data?.channels ?? []).map((c) => [c.channelId, c]));
  return (
    <section class="card" aria-labelledby="meters-title">
      <h2 id="meters-title">Meters and latest readings</h2>
      <div class="meters">
        {load.data.map((meter) => (
          <article class="meter" key={meter.id} aria-label={`Meter ${meter.serial}`}>
            <header>
              <h3>
                {meter.kind.replaceAll('_', ' ')} <span class="muted small">{meter.serial}</span>
              </h3>
              {meter.status && <ConnectionBadge state={meter.status.state as Connection} />}
            </header>
            <p class="muted small">
              {meter.reading.method === 'poll'
                ? 'Polled'
                : meter.reading.method === 'mqtt'
                  ? 'MQTT'
                  : 'HTTP push'}{' '}
              every {num(meter.reading.intervalSeconds / 60, 'min', 1)} · last reading{' '}
              <span title={dateTime(meter.status?.lastReadingAt, zone)}>
                {ago(meter.status?.lastReadingAt)}
              </span>
            </p>
            <dl class="readings">
              {[...meter.channels]
                .sort((a, b) => QUANTITY_ORDER.indexOf(a.quantity) - QUANTITY_ORDER.indexOf(b.quantity))
                .map((channel) => {
                  const reading = values.get(channel.id);
                  return (
                    <div key={channel.id}>
                      <dt>{channel.key.replaceAll('_', ' ')}</dt>
                      <dd>
                        {reading ? num(reading.value, channel.unit === '1' ? '' : channel.unit, 2) : '—'}
                      </dd>
                    </div>
                  );
                })}
            </dl>
          </article>
        ))}
      </div>
    </section>
  );
}

function HomeAlarms({ home }: { home: Home }) {
  const load = useLoad((signal) => client.alarms.forHomePage(home.id, { limit: 20 }, { signal }), [home.id]);
  return (
    <section class="card" aria-labelledby="alarms-title">
      <h2 id="alarms-title">Alarms</h2>
      {load.state === 'error' && <ProblemNotice problem={load.problem} onRetry={load.reload} />}
      {!load.data && load.state === 'loading' && <Loading what="alarms" />}
      {load.data && load.data.items.length === 0 && (
        <p class="empty">No alarm has been raised for this home.</p>
      )}
      {load.data && load.data.items.length > 0 && (
        <AlarmTable
          alarms={load.data.items}
          showHome={false}
          onChange={load.reload}
          label="Alarms of this home"
        />
      )}
    </section>
  );
}

export function HomePage() {
  const { params } = useRoute();
  const range = useRange();
  // The charts are what people open a home for: the other sections ask the server after them.
  const [chartsSettled, setChartsSettled] = useState(false);
  const settle = useCallback(() => setChartsSettled(true), []);
  const ref = decodeURIComponent(params.home ?? '');
  const load = useLoad((signal) => findHome(ref, signal), [ref]);
  if (load.state === 'error') {
    if (load.problem.notFound) return <NotFound what="home" />;
    return <ProblemNotice problem={load.problem} onRetry={load.reload} />;
  }
  if (load.state === 'loading' && !load.data) return <Loading what={`home ${ref}`} />;
  const home = load.data;
  if (!home) return <NotFound what="home" />;
  const { installation, property } = home;
  const thisMonth = new Date().toISOString().slice(0, 7);
  return (
    <article aria-labelledby="home-title" class="home">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/homes">Homes</a> › <span aria-current="page">{home.reference}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1 id="home-title">{home.reference}</h1>
          <p class="muted">
            {[...(property.addressLines ?? []), property.town, property.postcode].filter(Boolean).join(', ')}
          </p>
        </div>
        <a
          class="button secondary"
          href={`/homes/${encodeURIComponent(home.reference)}/report?month=${thisMonth}`}
        >
          Monthly report
        </a>
      </div>
      <dl class="facts">
        <div>
          <dt>Installation</dt>
          <dd>{technologyName(installation.technology)}</dd>
        </div>
        <div>
          <dt>Make and model</dt>
          <dd>{[installation.manufacturer, installation.model].filter(Boolean).join(' ') || '—'}</dd>
        </div>
        <div>
          <dt>Rated capacity</dt>
          <dd>{num(installation.ratedCapacityKw, 'kW')}</dd>
        </div>
        <div>
          <dt>Design flow / SPF</dt>
          <dd>
            {num(installation.designFlowTemperatureC, '°C', 0)} / {num(installation.designSpf, '', 1)}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{home.status === 'active' ? 'Monitored' : 'Decommissioned'}</dd>
        </div>
        {home.groups.length > 0 && (
          <div>
            <dt>Groups</dt>
            <dd>{home.groups.map((g) => g.name).join(', ')}</dd>
          </div>
        )}
      </dl>
      <HomeAlarms home={home} />
      <HomeCharts home={home} onSettled={settle} />
      {chartsSettled ? (
        <>
          {installation.technology?.endsWith('heat_pump') && <HomePerformance home={home} range={range} />}
          <HomeInsight home={home} />
          <Latest home={home} />
        </>
      ) : (
        <p class="loading" role="status">
          Loading efficiency, energy and meters…
        </p>
      )}
    </article>
  );
}
