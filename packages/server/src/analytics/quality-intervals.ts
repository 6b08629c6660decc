import { HOUR, hourOf } from './buckets.js';

/**
 * Which hours of a home's data the fault rules have flagged as wrong (issue #17): analytics leave
 * them out of COP, SPF, Carnot, degree days and the heat-loss fit instead of stating figures from a
 * frozen sensor or a meter that over-reads (docs/performance.md, "Data-quality alarms").
 *
 * A data-quality alarm (active or cleared) makes the hours it spans suspect: its channel's, or its
 * meter's when the rule names a meter and no channel, or the whole home's when the rule cannot tell
 * which meter is wrong. Alarms about missing data (`communication_lost`, `data_gaps`) are not read:
 * the readings that do arrive are right (late ones too: a gateway's backfill lands after the meter
 * was judged lost, and its alarm stays active while the meter is silent, over hours that have data),
 * and hours without readings already count against coverage. A rule whose alarm names a meter
 * rather than a channel would mark the meter's channels (extent `meter`). Exclusions
 * (telemetry/) remove readings from the rollups, so an excluded hour reads as an hour without data.
 */

/** Rules whose alarms mean the data itself is wrong, and the extent each one marks. */
export const QUALITY_RULES: Readonly<Record<string, 'channel' | 'meter' | 'home'>> = {
  stuck_sensor: 'channel',
  value_out_of_range: 'channel',
  register_fall: 'channel',
  // A daily COP outside what any heat pump does: the heat meter or the electricity meter is wrong,
  // and the rule's guess of which (it names one) is not proof, so every register of the home is.
  implausible_cop: 'home',
};

/** An alarm over a span of a home's data, as faults hands it out (`FaultsRepository.alarmSpans`). */
export interface AlarmSpan {
  id: string;
  homeId: string;
  rule: string;
  channelId: string | null;
  /** the meter its evidence names, if any */
  meterSerial: string | null;
  raisedAt: number;
  /** when the rule saw the condition begin (faults' episodes); null on alarms older than that */
  conditionSince: number | null;
  clearedAt: number | null;
}

/** The alarms of some rules over homes that overlap [from, to), oldest raised first (faults owns alarms). */
export type AlarmSpanReader = (
  homeIds: readonly string[],
  rules: readonly string[],
  from: number,
  to: number,
) => Promise<AlarmSpan[]>;

/**
 * When an alarm's condition began: the rule's own record of it (`conditionSince`: a stuck sensor
 * froze hours before it could be seen to be stuck), else, on alarms older than that record, when
 * the alarm was raised.
 */
export const conditionStart = (row: Pick<AlarmSpan, 'raisedAt' | 'conditionSince'>): number =>
  row.conditionSince ?? row.raisedAt;

/** One data-quality alarm over a home's data, as analytics use it. */
export interface QualityAlarm {
  id: string;
  homeId: string;
  rule: string;
  extent: 'channel' | 'meter' | 'home';
  /** the channel the alarm is about (extent channel) */
  channelId: string | null;
  /** the meter the alarm is about (extent meter; named by its evidence) */
  meterSerial: string | null;
  /** when the condition began (conditionStart), epoch ms */
  from: number;
  /** when the alarm cleared, epoch ms; null while it is active */
  to: number | null;
}

/** Reads data-quality alarms; one query per 500 homes, never one per home. */
export class QualityAlarms {
  constructor(private readonly alarmSpans: AlarmSpanReader) {}

  /** The data-quality alarms of each home that overlap [from, to). */
  async forHomes(homeIds: readonly string[], from: number, to: number): Promise<Map<string, QualityAlarm[]>> {
    const out = new Map<string, QualityAlarm[]>();
    const ids = [...new Set(homeIds)];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.alarmSpans(ids.slice(i, i + 500), Object.keys(QUALITY_RULES), from, to);
      for (const row of rows) {
        const alarm = qualityAlarmOf(row);
        if (!alarm) continue;
        const list = out.get(alarm.homeId) ?? [];
        list.push(alarm);
        out.set(alarm.homeId, list);
      }
    }
    return out;
  }

  async forHome(homeId: string, from: number, to: number): Promise<QualityAlarm[]> {
    return (await this.forHomes([homeId], from, to)).get(homeId) ?? [];
  }
}

function qualityAlarmOf(row: AlarmSpan): QualityAlarm | null {
  const extent = QUALITY_RULES[row.rule];
  if (!extent) return null;
  const meterSerial = extent === 'meter' ? row.meterSerial : null;
  // A channel rule without a channel, or a meter rule without a meter, marks nothing it can name.
  if (extent === 'channel' && row.channelId === null) return null;
  if (extent === 'meter' && meterSerial === null) return null;
  return {
    id: row.id,
    homeId: row.homeId,
    rule: row.rule,
    extent,
    channelId: row.channelId,
    meterSerial,
    from: conditionStart(row),
    to: row.clearedAt,
  };
}

/** A meter as far as this module needs it: its serial and its channels' ids and keys. */
export interface QualityMeter {
  serial: string;
  channels: readonly { id: string; key: string }[];
}

/** What left an hour out: the alarm, and the channel key and meter it was about (null: the whole home). */
export interface SuspectCause {
  /** null: not an alarm, but the figure's own implausibility (`note` says which) */
  alarmId: string | null;
  rule: string;
  channelKey: string | null;
  meterSerial: string | null;
  note?: string;
}

/**
 * The suspect UTC hours of a home, per channel and for the whole home: an hour is suspect when an
 * alarm's span [from, to) touches any part of it (hours are whole in the rollups).
 */
export class SuspectHours {
  private readonly byChannel = new Map<string, Map<number, SuspectCause>>();
  private readonly home = new Map<number, SuspectCause>();

  constructor(
    readonly alarms: readonly QualityAlarm[],
    meters: readonly QualityMeter[],
    from: number,
    until: number,
  ) {
    const channelInfo = new Map<string, { key: string; serial: string }>();
    for (const m of meters)
      for (const c of m.channels) channelInfo.set(c.id, { key: c.key, serial: m.serial });
    for (const alarm of alarms) {
      const start = Math.max(hourOf(alarm.from), hourOf(from));
      const end = Math.min(alarm.to ?? until, until);
      if (!(end > start)) continue;
      if (alarm.extent === 'home') {
        const cause = { alarmId: alarm.id, rule: alarm.rule, channelKey: null, meterSerial: null };
        for (let hour = start; hour < end; hour += HOUR) if (!this.home.has(hour)) this.home.set(hour, cause);
        continue;
      }
      const channels =
        alarm.extent === 'channel'
          ? [alarm.channelId as string]
          : (meters.find((m) => m.serial === alarm.meterSerial)?.channels.map((c) => c.id) ?? []);
      for (const channelId of channels) {
        const info = channelInfo.get(channelId);
        const cause = {
          alarmId: alarm.id,
          rule: alarm.rule,
          channelKey: alarm.extent === 'channel' ? (info?.key ?? null) : null,
          meterSerial: info?.serial ?? alarm.meterSerial,
        };
        let hours = this.byChannel.get(channelId);
        if (!hours) {
          hours = new Map();
          this.byChannel.set(channelId, hours);
        }
        for (let hour = start; hour < end; hour += HOUR) if (!hours.has(hour)) hours.set(hour, cause);
      }
    }
  }

  /** Nothing is suspect. */
  get empty(): boolean {
    return this.home.size === 0 && this.byChannel.size === 0;
  }

  /** Why the hour is suspect for any of the channels (or the whole home), or undefined when it is not. */
  causeOf(channelIds: readonly string[], hour: number): SuspectCause | undefined {
    const home = this.home.get(hour);
    if (home) return home;
    for (const id of channelIds) {
      const cause = this.byChannel.get(id)?.get(hour);
      if (cause) return cause;
    }
    return undefined;
  }

  /** The channel's own suspect hours (not the whole home's). */
  channelSuspect(channelId: string | null, hour: number): boolean {
    return channelId !== null && (this.byChannel.get(channelId)?.has(hour) ?? false);
  }
}

/**
 * A sentence naming what left hours out, per alarm: "implausible_cop (whole home): 48 h;
 * stuck_sensor on outdoor_temperature of S-1: 240 h".
 */
export function describeCauses(counts: ReadonlyMap<SuspectCause, number>): string {
  const byAlarm = new Map<string, { cause: SuspectCause; hours: number }>();
  for (const [cause, hours] of counts) {
    const key = cause.alarmId ?? cause.note ?? cause.rule;
    const known = byAlarm.get(key);
    if (known) known.hours += hours;
    else byAlarm.set(key, { cause, hours });
  }
  return [...byAlarm.values()].map(({ cause, hours }) => `${causeName(cause)}: ${hours} h`).join('; ');
}

export const causeName = (cause: SuspectCause): string =>
  cause.note !== undefined
    ? cause.note
    : cause.channelKey === null && cause.meterSerial === null
      ? `${cause.rule} alarm (whole home)`
      : cause.channelKey === null
        ? `${cause.rule} alarm on ${cause.meterSerial}`
        : `${cause.rule} alarm on ${cause.channelKey} of ${cause.meterSerial}`;
