/** Formatting in the agent's time zone and with units: one place, so every screen agrees. */

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function cached(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = make();
    dateTimeFormats.set(key, format);
  }
  return format;
}

/** 7 Dec 2026, 14:05 */
export function dateTime(iso: string | number | Date | null | undefined, zone: string): string {
  if (iso === null || iso === undefined) return '—';
  return cached(
    `dt ${zone}`,
    () =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }),
  ).format(new Date(iso));
}

/** 7 Dec 2026 */
export function date(iso: string | number | Date, zone: string): string {
  return cached(
    `d ${zone}`,
    () =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' }),
  ).format(new Date(iso));
}

/** December 2026 */
export function month(iso: string | number | Date, zone: string): string {
  return cached(
    `m ${zone}`,
    () => new Intl.DateTimeFormat('en-GB', { timeZone: zone, month: 'long', year: 'numeric' }),
  ).format(new Date(iso));
}

/** "3 min ago", "2 h ago", "5 days ago": how fresh a reading is. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** A number with sensible digits and its unit, or a dash when there is none. */
export function num(value: number | null | undefined, unit = '', digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

export function money(value: number | null | undefined, currency = 'GBP'): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-GB', { style: 'currency', currency });
}

export function percent(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? '—' : `${num(value, '', digits)} %`;
}

export const TECHNOLOGY_NAMES: Record<string, string> = {
  air_source_heat_pump: 'Air source heat pump',
  ground_source_heat_pump: 'Ground source heat pump',
  water_source_heat_pump: 'Water source heat pump',
  exhaust_air_heat_pump: 'Exhaust air heat pump',
  hybrid_heat_pump: 'Hybrid heat pump',
  gas_boiler: 'Gas boiler',
  oil_boiler: 'Oil boiler',
  electric_boiler: 'Electric boiler',
  solar_pv: 'Solar PV',
  solar_thermal: 'Solar thermal',
  battery: 'Battery',
};

export function technologyName(technology: string | null | undefined): string {
  if (!technology) return '—';
  return TECHNOLOGY_NAMES[technology] ?? technology.replaceAll('_', ' ');
}

/** The start and end of the last `days` days, as ISO strings, up to now. */
export function lastDays(days: number, now = Date.now()): { from: string; to: string } {
  return { from: new Date(now - days * 86_400_000).toISOString(), to: new Date(now).toISOString() };
}
