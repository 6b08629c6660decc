/**
 * The readings a home's gateway sends: one snapshot a minute of the home's eight channels (the
 * order of scripts/bench/setup.ts: heat meter, electricity meter, outdoor sensor), with values a
 * real air-source heat pump home gives — an outdoor temperature with its seasons, days and noise,
 * a heat demand that follows it, power, flow and return temperatures, flow rate, and two energy
 * registers that only ever increase. Deterministic per home (seeded), so the raw-engine ceiling
 * inserts exactly the rows the server is sent.
 */

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** The channel keys of a bench home, in the order a snapshot lists them. */
export const CHANNEL_KEYS = [
  'heat_energy',
  'heat_power',
  'flow_temperature',
  'return_temperature',
  'flow_rate',
  'electricity_energy',
  'electricity_power',
  'outdoor_temperature',
] as const;
export type ChannelKey = (typeof CHANNEL_KEYS)[number];
export const CHANNELS_PER_HOME = CHANNEL_KEYS.length;

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * One home's stream of snapshots, going forward a minute at a time from `start`. `emit` receives
 * each reading as (channel index, time, value).
 */
export class HomeStream {
  private readonly random: () => number;
  private heatKwh: number;
  private elecKwh: number;
  private running = false;
  /** Where this home sits in its climate: a little warmer or colder than its neighbours. */
  private readonly offset: number;
  t: number;

  constructor(
    readonly home: number,
    start: number,
  ) {
    this.random = prng(0x9e3779b1 ^ (home * 2654435761));
    this.heatKwh = 1000 + this.random() * 20_000;
    this.elecKwh = this.heatKwh / 3.2;
    this.offset = (this.random() - 0.5) * 3;
    this.t = start;
  }

  /** Gaussian-ish noise in [-1, 1] (sum of two uniforms). */
  private noise(): number {
    return this.random() + this.random() - 1;
  }

  /** Emits `minutes` snapshots (8 readings each) and moves the stream forward. */
  next(minutes: number, emit: (channel: number, t: number, v: number) => void): void {
    for (let m = 0; m < minutes; m++) {
      const t = this.t;
      const dayOfYear = (t / DAY) % 365.25;
      const hourOfDay = (t / 3_600_000) % 24;
      // UK-like: 5 °C mean in mid-January, 17 °C in mid-July; warmest at 15:00.
      const outdoor =
        11 -
        6 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25) +
        3.5 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24) +
        this.offset +
        0.4 * this.noise();
      // Heat demand below 16 °C outside; the compressor cycles off in mild weather.
      const demandKw = Math.max(0, (16 - outdoor) * 0.42);
      if (demandKw > 1.5) this.running = true;
      else if (demandKw < 0.6) this.running = this.random() < 0.15;
      else if (this.random() < 0.1) this.running = !this.running;
      const heatW = this.running ? Math.max(0, demandKw * 1000 * (1 + 0.06 * this.noise())) : 0;
      const cop = Math.min(5.2, Math.max(2.1, 3.1 + 0.08 * outdoor + 0.1 * this.noise()));
      const elecW = this.running ? heatW / cop + 25 : 8 + 2 * this.random();
      this.heatKwh += heatW / 60_000;
      this.elecKwh += elecW / 60_000;
      const flow = this.running ? 28 + (16 - outdoor) * 0.9 + 0.3 * this.noise() : 22 + 0.5 * this.noise();
      const deltaT = this.running ? 5 + 0.4 * this.noise() : 0.3 * this.random();
      // l/min = W / (4186 J/kg K × ΔT K) × 60 s/min (1 l ≈ 1 kg)
      const flowRate = this.running ? (heatW / (4186 * deltaT)) * 60 : 0;
      emit(0, t, round(this.heatKwh, 3));
      emit(1, t, Math.round(heatW));
      emit(2, t, round(flow, 1));
      emit(3, t, round(flow - deltaT, 1));
      emit(4, t, round(flowRate, 2));
      emit(5, t, round(this.elecKwh, 3));
      emit(6, t, Math.round(elecW));
      emit(7, t, round(outdoor, 1));
      this.t += MINUTE;
    }
  }
}

/** RFC 3339 of a whole-second time, as a gateway writes it: 2026-01-31T12:00:00Z. */
export const rfc3339 = (t: number): string => `${new Date(t).toISOString().slice(0, 19)}Z`;

/**
 * A push body of `minutes` snapshots of one home: `{"readings":[…]}` built as a string (what a
 * gateway's JSON encoder sends; the bench's own CPU must stay small next to the server's).
 */
export function pushBody(stream: HomeStream, channelIds: readonly string[], minutes: number): string {
  const parts: string[] = [];
  let lastT = -1;
  let time = '';
  stream.next(minutes, (channel, t, v) => {
    if (t !== lastT) {
      lastT = t;
      time = rfc3339(t);
    }
    parts.push(`{"channelId":"${channelIds[channel]}","time":"${time}","value":${v}}`);
  });
  return `{"readings":[${parts.join(',')}]}`;
}

/** A body of one channel only (the query channel's year): its key's readings from the stream. */
export function singleChannelBody(
  stream: HomeStream,
  channelIndex: number,
  channelId: string,
  minutes: number,
): string {
  const parts: string[] = [];
  stream.next(minutes, (channel, t, v) => {
    if (channel === channelIndex)
      parts.push(`{"channelId":"${channelId}","time":"${rfc3339(t)}","value":${v}}`);
  });
  return `{"readings":[${parts.join(',')}]}`;
}
