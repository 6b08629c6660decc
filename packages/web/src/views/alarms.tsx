import type { AlarmListQuery } from '@hearth/client';
import { useLocation } from 'preact-iso';
import { client } from '../api/client';
import { useLoad } from '../api/use-load';
import { AlarmTable } from '../components/alarm-table';
import { Empty, Loading, ProblemNotice } from '../components/notice';
import { withQuery } from '../url';

/** Active and recent alarms across the fleet: the installer's to-do list. */
export function AlarmInbox() {
  const { query: params, path, route } = useLocation();
  const state = params.state === 'all' ? undefined : params.state === 'cleared' ? 'cleared' : 'active';
  const query: AlarmListQuery & { limit: number; cursor?: string } = {
    limit: 100,
    ...(state ? { state } : {}),
    ...(params.severity ? { severity: params.severity } : {}),
    ...(params.rule ? { rule: params.rule } : {}),
    ...(params.acknowledged === 'no' ? { acknowledged: false } : {}),
  } as AlarmListQuery & { limit: number };
  const load = useLoad((signal) => client.alarms.listPage(query, { signal }), [JSON.stringify(query)]);
  const rules = useLoad(
    async (signal) => (await client.faultRules.get(undefined, { signal })).catalogue.rules,
    [],
  );
  const set = (changes: Record<string, string | undefined>) => route(withQuery(path, params, changes));
  return (
    <section aria-labelledby="alarms-title">
      <div class="page-head">
        <h1 id="alarms-title">Alarms</h1>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="alarm-state">State</label>
          <select
            id="alarm-state"
            value={params.state ?? 'active'}
            onChange={(e) =>
              set({ state: e.currentTarget.value === 'active' ? undefined : e.currentTarget.value })
            }
          >
            <option value="active">Active</option>
            <option value="cleared">Cleared</option>
            <option value="all">All</option>
          </select>
        </div>
        <div class="field">
          <label for="alarm-severity">Severity</label>
          <select
            id="alarm-severity"
            value={params.severity ?? ''}
            onChange={(e) => set({ severity: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            <option value="critical">Critical</option>
            <option value="critical,major">Critical or major</option>
            <option value="major">Major</option>
            <option value="minor">Minor</option>
            <option value="warning">Warning</option>
          </select>
        </div>
        <div class="field">
          <label for="alarm-rule">Problem</label>
          <select
            id="alarm-rule"
            value={params.rule ?? ''}
            onChange={(e) => set({ rule: e.currentTarget.value || undefined })}
          >
            <option value="">Any</option>
            {(rules.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.title}
              </option>
            ))}
          </select>
        </div>
        <div class="field check">
          <input
            id="alarm-unack"
            type="checkbox"
            checked={params.acknowledged === 'no'}
            onChange={(e) => set({ acknowledged: e.currentTarget.checked ? 'no' : undefined })}
          />
          <label for="alarm-unack">Not yet acknowledged</label>
        </div>
      </form>
      {load.state === 'error' && <ProblemNotice problem={load.problem} onRetry={load.reload} />}
      {!load.data && load.state === 'loading' && <Loading what="alarms" />}
      {load.data && load.data.items.length === 0 && (
        <Empty>
          {state === 'active'
            ? 'No active alarm: every home is running without a known fault.'
            : 'No alarm matches these filters.'}
        </Empty>
      )}
      {load.data && load.data.items.length > 0 && (
        <>
          <AlarmTable alarms={load.data.items} showHome onChange={load.reload} label="Alarms" />
          {load.data.nextCursor && (
            <p class="muted small">Showing the first 100; narrow the filters to see others.</p>
          )}
        </>
      )}
    </section>
  );
}
