import type { HomeGroup } from '@hearth/client';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { useTimeZone } from '../api/session';
import { useLoad } from '../api/use-load';
import { type Connection, ConnectionBadge, SEVERITIES, SeverityBadge } from '../components/badges';
import { Empty, Loading, ProblemNotice } from '../components/notice';
import { ScrollRegion } from '../components/scroll-region';
import { ago, dateTime, num, technologyName } from '../format';
import { withQuery } from '../url';

type FleetQuery = NonNullable<Parameters<typeof client.fleet.page>[0]>;
type FleetPageAnswer = Awaited<ReturnType<typeof client.fleet.page>>;
type FleetRow = FleetPageAnswer['items'][number];

const PAGE_SIZE = 50;

const COLUMNS: { key: string; label: string; sort?: string }[] = [
  { key: 'reference', label: 'Home', sort: 'reference' },
  { key: 'place', label: 'Town / postcode', sort: 'town' },
  { key: 'technology', label: 'Technology', sort: 'technology' },
  { key: 'make', label: 'Make and model', sort: 'manufacturer' },
  { key: 'last', label: 'Last reading', sort: 'lastReadingAt' },
  { key: 'connection', label: 'Status', sort: 'connection' },
  { key: 'alarms', label: 'Active alarms', sort: 'alarms' },
  { key: 'spf', label: 'SPF, 30 days', sort: 'spf' },
];

/** The filters live in the URL: a filtered fleet is a link a colleague can open. */
function queryOf(params: Record<string, string>): FleetQuery {
  const query: FleetQuery = { limit: PAGE_SIZE };
  for (const key of [
    'q',
    'connection',
    'technology',
    'groupId',
    'manufacturer',
    'model',
    'cursor',
  ] as const) {
    if (params[key]) (query as Record<string, unknown>)[key] = params[key];
  }
  if (params.alarms === 'yes') query.hasActiveAlarms = true;
  if (params.sort) query.sort = params.sort as FleetQuery['sort'];
  if (params.order === 'desc') query.order = 'desc';
  return query;
}

function SpfCell({ spf }: { spf: FleetRow['spf'] }) {
  if (!spf) return <span class="muted">—</span>;
  if (spf.value === null) {
    return (
      <span class="muted" title="An SPF needs at least 90 % of the window's hours with data">
        —
        {spf.coveragePercent !== null && (
          <span class="small"> ({num(spf.coveragePercent, '%', 0)} data)</span>
        )}
      </span>
    );
  }
  const ratio = spf.ratio;
  const below = ratio !== null && ratio < 0.9;
  return (
    <span class={below ? 'spf below' : 'spf'}>
      {num(spf.value, '', 2)}
      {spf.design !== null && (
        <span class="muted small">
          {' '}
          / design {num(spf.design, '', 1)}
          {ratio !== null && ` (${num(ratio * 100, '%', 0)})`}
        </span>
      )}
    </span>
  );
}

function AlarmCell({ alarms }: { alarms: FleetRow['alarms'] }) {
  if (alarms.total === 0) return <span class="muted">None</span>;
  return (
    <span class="badges">
      {SEVERITIES.filter((s) => alarms[s] > 0).map((s) => (
        <SeverityBadge key={s} severity={s} count={alarms[s]} />
      ))}
    </span>
  );
}

export function FleetPage() {
  const { query: params, path, route } = useLocation();
  const zone = useTimeZone();
  const query = queryOf(params);
  const fleet = useLoad((signal) => client.fleet.page(query, { signal }), [JSON.stringify(query)]);
  const [groups, setGroups] = useState<HomeGroup[]>([]);
  const [search, setSearch] = useState(params.q ?? '');
  const [history, setHistory] = useState<string[]>([]);

  useEffect(() => {
    client.homeGroups.list().then(setGroups, () => setGroups([]));
  }, []);

  // A new filter or sort starts again at the first page; paging keeps the rest.
  const go = (changes: Record<string, string | undefined>, keepCursor = false) => {
    const paging = keepCursor || 'cursor' in changes;
    if (!paging) setHistory([]);
    route(withQuery(path, params, paging ? changes : { cursor: undefined, ...changes }));
  };

  const sortBy = (key: string) => {
    const same = (params.sort ?? 'reference') === key;
    go({ sort: key, order: same && params.order !== 'desc' ? 'desc' : undefined });
  };

  const data = fleet.data;
  const facets = data?.facets;
  const models = facets?.manufacturers.find((m) => m.manufacturer === params.manufacturer)?.models ?? [];
  const start = history.length * PAGE_SIZE;

  return (
    <section aria-labelledby="fleet-title">
      <div class="page-head">
        <h1 id="fleet-title">Homes</h1>
        {data && (
          <nav class="counts" aria-label="Homes by status">
            <a href="?connection=online">{data.counts.online} online</a>
            <a href="?connection=late">{data.counts.late} late</a>
            <a href="?connection=offline">{data.counts.offline} offline</a>
            {data.counts.never_seen > 0 && (
              <a href="?connection=never_seen">{data.counts.never_seen} no data yet</a>
            )}
          </nav>
        )}
      </div>
      <form
        class="filters"
        aria-label="Search and filter homes"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: search.trim() || undefined });
        }}
      >
        <div class="field grow">
          <label for="fleet-q">Search</label>
          <input
            id="fleet-q"
            type="search"
            placeholder="Reference, postcode, town or street"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="fleet-connection">Status</label>
          <select
            id="fleet-connection"
            value={params.connection ?? ''}
            onChange={(e) => go({ connection: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            <option value="online">Online</option>
            <option value="late">Late</option>
            <option value="offline">Offline</option>
            <option value="late,offline">Late or offline</option>
            <option value="never_seen">No data yet</option>
          </select>
        </div>
        <div class="field">
          <label for="fleet-technology">Technology</label>
          <select
            id="fleet-technology"
            value={params.technology ?? ''}
            onChange={(e) => go({ technology: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {(facets?.technologies ?? []).map((t) => (
              <option key={t} value={t}>
                {technologyName(t)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="fleet-make">Make</label>
          <select
            id="fleet-make"
            value={params.manufacturer ?? ''}
            onChange={(e) => go({ manufacturer: e.currentTarget.value || undefined, model: undefined })}
          >
            <option value="">Any</option>
            {(facets?.manufacturers ?? []).map((m) => (
              <option key={m.manufacturer} value={m.manufacturer}>
                {m.manufacturer}
              </option>
            ))}
          </select>
        </div>
        {models.length > 0 && (
          <div class="field">
            <label for="fleet-model">Model</label>
            <select
              id="fleet-model"
              value={params.model ?? ''}
              onChange={(e) => go({ model: e.currentTarget.value || undefined })}
            >
              <option value="">Any</option>
              {models.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </div>
        )}
        {groups.length > 0 && (
          <div class="field">
            <label for="fleet-group">Group</label>
            <select
              id="fleet-group"
              value={params.groupId ?? ''}
              onChange={(e) => go({ groupId: e.currentTarget.value || undefined })}
            >
              <option value="">All</option>
              {groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field check">
          <input
            id="fleet-alarms"
            type="checkbox"
            checked={params.alarms === 'yes'}
            onChange={(e) => go({ alarms: e.currentTarget.checked ? 'yes' : undefined })}
          />
          <label for="fleet-alarms">With active alarms</label>
        </div>
        <button type="submit">Search</button>
      </form>

      {fleet.state === 'error' && <ProblemNotice problem={fleet.problem} onRetry={fleet.reload} />}
      {!data && fleet.state === 'loading' && <Loading what="homes" />}
      {data && data.items.length === 0 && (
        <Empty>
          {Object.keys(params).length > 0
            ? 'No home matches these filters.'
            : 'No homes yet: submit a New Installation order to add one.'}
        </Empty>
      )}
      {data && data.items.length > 0 && (
        <>
          <ScrollRegion label="Homes">
            <table class="fleet cards" aria-busy={fleet.state === 'loading'}>
              <caption class="sr-only">
                Homes {start + 1} to {start + data.items.length} of {data.total}, SPF over the last 30 days
              </caption>
              <thead>
                <tr>
                  {COLUMNS.map((c) => {
                    const active = (params.sort ?? 'reference') === c.sort;
                    const direction = active
                      ? params.order === 'desc'
                        ? 'descending'
                        : 'ascending'
                      : undefined;
                    return (
                      <th scope="col" key={c.key} aria-sort={direction}>
                        {c.sort ? (
                          <button type="button" class="sort" onClick={() => sortBy(c.sort as string)}>
                            {c.label}
                            <span aria-hidden="true">
                              {active ? (params.order === 'desc' ? ' ▼' : ' ▲') : ''}
                            </span>
                          </button>
                        ) : (
                          c.label
                        )}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {data.items.map((home) => (
                  <tr key={home.id}>
                    <th scope="row">
                      <a href={`/homes/${encodeURIComponent(home.reference)}`}>{home.reference}</a>
                    </th>
                    <td data-label="Town">
                      {home.town ?? '—'}
                      {home.postcode && <span class="muted"> {home.postcode}</span>}
                    </td>
                    <td data-label="Technology">{technologyName(home.technology)}</td>
                    <td data-label="Make">
                      {home.manufacturer ?? '—'}
                      {home.model && <span class="muted"> {home.model}</span>}
                    </td>
                    <td data-label="Last reading" title={dateTime(home.lastReadingAt, zone)}>
                      {ago(home.lastReadingAt)}
                    </td>
                    <td data-label="Status">
                      <ConnectionBadge state={home.connection as Connection} />
                    </td>
                    <td data-label="Alarms">
                      <AlarmCell alarms={home.alarms} />
                    </td>
                    <td data-label="SPF, 30 days">
                      <SpfCell spf={home.spf} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <nav class="pager" aria-label="Pages of homes">
            <span>
              {start + 1}–{start + data.items.length} of {data.total.toLocaleString('en-GB')}
            </span>
            <button
              type="button"
              class="secondary"
              disabled={history.length === 0}
              onClick={() => {
                const previous = history.slice(0, -1);
                setHistory(previous);
                go({ cursor: history.at(-1) || undefined }, true);
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!data.nextCursor}
              onClick={() => {
                setHistory([...history, params.cursor ?? '']);
                go({ cursor: data.nextCursor ?? undefined }, true);
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
