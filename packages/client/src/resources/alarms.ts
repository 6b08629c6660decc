import type { HearthClient, RequestOptions, WriteOptions } from '../client.js';
import { PageIterator } from '../paging.js';
import type {
  Alarm,
  AlarmDetail,
  AlarmEvaluation,
  AlarmListQuery,
  FaultRuleCatalogue,
  FaultThresholds,
  HomeAlarmListQuery,
  Page,
  QueryOf,
  UpdateAlarmInput,
} from '../types.js';

/** An alarm as read or written, with the ETag to pass as `ifMatch` to the next change. */
export interface TaggedAlarm {
  alarm: AlarmDetail;
  /** The alarm's ETag (undefined only if a proxy stripped it). */
  etag: string | undefined;
}

/** The fault rule catalogue as read or written, with the ETag to pass as `ifMatch` to `put()`. */
export interface TaggedCatalogue {
  catalogue: FaultRuleCatalogue;
  etag: string | undefined;
}

/** Options of `faultRules.put()`: the ETag read, and for the operator the agent whose thresholds. */
export interface FaultRulesWriteOptions extends WriteOptions {
  agentId?: string;
}

type Cursor = { cursor?: string };

/** A query as the route's parameters: lists comma-separated, Dates as RFC 3339 UTC. */
function queryParams(query: AlarmListQuery & Cursor): Partial<QueryOf<'/alarms', 'get'>> {
  const { severity, rule, from, to, ...rest } = query;
  const list = (value: string | readonly string[]) => (typeof value === 'string' ? value : value.join(','));
  const time = (value: string | Date) => (value instanceof Date ? value.toISOString() : value);
  return {
    ...rest,
    ...(severity !== undefined ? { severity: list(severity) } : {}),
    ...(rule !== undefined ? { rule: list(rule) } : {}),
    ...(from !== undefined ? { from: time(from) } : {}),
    ...(to !== undefined ? { to: time(to) } : {}),
  };
}

/**
 * `/alarms` and `/homes/{id}/alarms`: the alarms the fault rules raise on a home's data, newest
 * first, and what people do with them (acknowledge, note, clear by hand). See docs/faults.md.
 */
export class AlarmsResource {
  constructor(private readonly client: HearthClient) {}

  /**
   * Every alarm you may see matching the filters (`state`, `severity`, `rule`, `groupId`,
   * `homeId`, `acknowledged`, `from`/`to` on raisedAt, `order`; the operator may name an
   * `agentId`), page after page: `for await (const alarm of hearth.alarms.list({ state: 'active' }))`.
   */
  list(query: AlarmListQuery = {}, options: RequestOptions = {}): PageIterator<Alarm> {
    return new PageIterator((cursor) => this.listPage({ ...query, ...(cursor ? { cursor } : {}) }, options));
  }

  /** One page of alarms; pass the previous page's `nextCursor` as `cursor` for the next. */
  async listPage(query: AlarmListQuery & Cursor = {}, options: RequestOptions = {}): Promise<Page<Alarm>> {
    return (await this.client.request('get', '/alarms', { ...options, query: queryParams(query) })).data;
  }

  /** Every alarm of one home, page after page (NotFoundError for a home you cannot see). */
  forHome(homeId: string, query: HomeAlarmListQuery = {}, options: RequestOptions = {}): PageIterator<Alarm> {
    return new PageIterator((cursor) =>
      this.forHomePage(homeId, { ...query, ...(cursor ? { cursor } : {}) }, options),
    );
  }

  /** One page of a home's alarms. */
  async forHomePage(
    homeId: string,
    query: HomeAlarmListQuery & Cursor = {},
    options: RequestOptions = {},
  ): Promise<Page<Alarm>> {
    return (
      await this.client.request('get', '/homes/{id}/alarms', {
        ...options,
        params: { id: homeId },
        query: queryParams(query),
      })
    ).data;
  }

  /** One alarm with its evidence and history, and its ETag for a guarded `update()`. */
  async get(id: string, options: RequestOptions = {}): Promise<TaggedAlarm> {
    const { data, etag } = await this.client.request('get', '/alarms/{id}', { ...options, params: { id } });
    return { alarm: data, etag };
  }

  /**
   * Acknowledges (or takes back), annotates (`note: null` removes the note) or clears an alarm by
   * hand. With `ifMatch` (the ETag `get()` answered) a change made since is not overwritten:
   * PreconditionFailedError (412) instead.
   */
  async update(id: string, changes: UpdateAlarmInput, options: WriteOptions = {}): Promise<TaggedAlarm> {
    const { data, etag } = await this.client.request('put', '/alarms/{id}', {
      ...options,
      params: { id },
      body: changes,
    });
    return { alarm: data, etag };
  }

  /** Says someone is on it, with a note if given. */
  acknowledge(id: string, note?: string, options: WriteOptions = {}): Promise<TaggedAlarm> {
    return this.update(id, { acknowledged: true, ...(note !== undefined ? { note } : {}) }, options);
  }

  /**
   * Clears an active alarm by hand, with a note if given. A condition that persists raises a new
   * alarm at the next evaluation.
   */
  clear(id: string, note?: string, options: WriteOptions = {}): Promise<TaggedAlarm> {
    return this.update(id, { state: 'cleared', ...(note !== undefined ? { note } : {}) }, options);
  }

  /**
   * Judges a home's data against the rules now, as the background evaluator does, and answers how
   * many alarms it raised and cleared. ConflictError (409) while another worker is judging the
   * home, or when the home has no fault_management service.
   */
  async evaluate(homeId: string, options: RequestOptions = {}): Promise<AlarmEvaluation> {
    return (
      await this.client.request('post', '/homes/{id}/alarms/evaluate', { ...options, params: { id: homeId } })
    ).data;
  }
}

/** `/fault-rules`: the rule catalogue, each parameter's default and value in force, the agent's thresholds. */
export class FaultRulesResource {
  constructor(private readonly client: HearthClient) {}

  /** The catalogue for your agent (the operator names `agentId`), with its ETag for `put()`. */
  async get(agentId?: string, options: RequestOptions = {}): Promise<TaggedCatalogue> {
    const { data, etag } = await this.client.request('get', '/fault-rules', {
      ...options,
      ...(agentId !== undefined ? { query: { agentId } } : {}),
    });
    return { catalogue: data, etag };
  }

  /**
   * Replaces the agent's thresholds (`{ 'communication_lost.lostIntervals': 30, 'stuck_sensor.enabled': 0 }`;
   * keys left out return to their defaults) and answers the catalogue now in force. To change one
   * value, read with `get()`, merge into `catalogue.thresholds` and pass its `etag` as `ifMatch`.
   * InvalidRequestError for an unknown rule or parameter or a value out of range.
   */
  async put(thresholds: FaultThresholds, options: FaultRulesWriteOptions = {}): Promise<TaggedCatalogue> {
    const { agentId, ...rest } = options;
    const { data, etag } = await this.client.request('put', '/fault-rules', {
      ...rest,
      body: { thresholds, ...(agentId !== undefined ? { agentId } : {}) },
    });
    return { catalogue: data, etag };
  }
}
