import type { FieldProblem } from '../http/errors.js';
import {
  type ChannelSpec,
  HEAT_PUMPS,
  type Installation,
  type MeterSpec,
  type Property,
  QUANTITY_UNITS,
  type Quantity,
} from './description.js';

/** A resolved channel: what a meter of this kind measures, with quantity, unit and kind. */
export interface ChannelDefinition {
  key: string;
  quantity: Quantity;
  unit: string;
  kind: 'register' | 'instantaneous';
}

const channel = (key: string, quantity: Quantity, kind: ChannelDefinition['kind']): ChannelDefinition => ({
  key,
  quantity,
  unit: QUANTITY_UNITS[quantity],
  kind,
});

/** Each meter kind's default channels; an order may narrow (a subset of keys) or extend them. */
export function defaultChannels(meter: Pick<MeterSpec, 'kind' | 'location'>): ChannelDefinition[] {
  switch (meter.kind) {
    case 'heat_meter':
      return [
        channel('heat_energy', 'energy', 'register'),
        channel('heat_power', 'power', 'instantaneous'),
        channel('flow_temperature', 'temperature', 'instantaneous'),
        channel('return_temperature', 'temperature', 'instantaneous'),
        channel('flow_rate', 'flow_rate', 'instantaneous'),
      ];
    case 'electricity_meter':
      return [
        channel('electricity_energy', 'energy', 'register'),
        channel('electricity_power', 'power', 'instantaneous'),
      ];
    case 'gas_meter':
      return [channel('gas_volume', 'volume', 'register')];
    case 'temperature_sensor':
      return [channel(`${meter.location ?? 'indoor'}_temperature`, 'temperature', 'instantaneous')];
    case 'pv_inverter':
      return [channel('pv_energy', 'energy', 'register'), channel('pv_power', 'power', 'instantaneous')];
    case 'battery':
      return [
        channel('battery_charge_energy', 'energy', 'register'),
        channel('battery_discharge_energy', 'energy', 'register'),
        channel('battery_state_of_charge', 'state_of_charge', 'instantaneous'),
      ];
    default:
      return [];
  }
}

/**
 * The channels a meter will have: its defaults, or the ones the order names. A named default key
 * may leave quantity, unit and kind out; a new key must give quantity and kind (unit follows).
 */
export function resolveChannels(meter: MeterSpec, at: string, problems: FieldProblem[]): ChannelDefinition[] {
  const defaults = defaultChannels(meter);
  if (!meter.channels) return defaults;
  if (meter.channels.length === 0)
    problems.push({ field: `${at}/channels`, message: 'must name at least one channel' });
  const seen = new Set<string>();
  const resolved: ChannelDefinition[] = [];
  meter.channels.forEach((spec: ChannelSpec, i) => {
    const where = `${at}/channels/${i}`;
    if (seen.has(spec.key)) problems.push({ field: `${where}/key`, message: `repeats the key ${spec.key}` });
    seen.add(spec.key);
    const base = defaults.find((d) => d.key === spec.key);
    const quantity = spec.quantity ?? base?.quantity;
    const kind = spec.kind ?? base?.kind;
    if (!quantity)
      problems.push({
        field: `${where}/quantity`,
        message: 'is required for a channel that is not a default of this meter',
      });
    if (!kind)
      problems.push({
        field: `${where}/kind`,
        message: 'is required for a channel that is not a default of this meter',
      });
    if (!quantity || !kind) return;
    const unit = spec.unit ?? QUANTITY_UNITS[quantity];
    if (unit !== QUANTITY_UNITS[quantity]) {
      problems.push({
        field: `${where}/unit`,
        message: `must be ${QUANTITY_UNITS[quantity]} for ${quantity}`,
      });
    }
    if (kind === 'register' && quantity !== 'energy' && quantity !== 'volume') {
      problems.push({
        field: `${where}/kind`,
        message: 'only energy and volume can be cumulative registers',
      });
    }
    resolved.push({ key: spec.key, quantity, unit: QUANTITY_UNITS[quantity], kind });
  });
  return resolved;
}

// The UK postcode format (BS 7666), including GIR 0AA; spaces are optional on input.
const UK_POSTCODE = /^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$/i;

/**
 * Normalises a valid UK postcode to upper case with one space before the inward code ("ll554ur" →
 * "LL55 4UR"). Anything else is kept as typed (trimmed): other countries' postcodes are free-form,
 * and an invalid UK one stays as the user wrote it so submission can say what is wrong with it.
 */
export function normalisePostcode(postcode: string, country: string | undefined): string {
  const trimmed = postcode.trim();
  if ((country ?? 'GB') !== 'GB') return trimmed;
  const compact = trimmed.replace(/\s+/g, '').toUpperCase();
  if (!UK_POSTCODE.test(compact)) return trimmed;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

type Need = (value: unknown, field: string, what?: string) => void;

export function needer(problems: FieldProblem[], required: string): Need {
  return (value, field, what = required) => {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      problems.push({ field, message: what });
    }
  };
}

/**
 * What a home's property must have: street, town and postcode (a valid one in the UK), and both
 * coordinates or neither. Used at submission and when a home's address is corrected.
 */
export function propertyProblems(
  property: Property,
  problems: FieldProblem[],
  required = 'is required',
): void {
  const need = needer(problems, required);
  need(property.addressLines, '/body/property/addressLines');
  need(property.town, '/body/property/town');
  need(property.postcode, '/body/property/postcode');
  const country = property.country ?? 'GB';
  if (property.postcode && country === 'GB' && !UK_POSTCODE.test(property.postcode.trim())) {
    problems.push({
      field: '/body/property/postcode',
      message: 'is not a valid UK postcode (e.g. LL55 4UR)',
    });
  }
  if ((property.latitude === undefined) !== (property.longitude === undefined)) {
    problems.push({ field: '/body/property/longitude', message: 'latitude and longitude go together' });
  }
}

/** What an installation must state: its technology and, for a heat pump, the unit and its design. */
export function installationProblems(
  installation: Installation,
  problems: FieldProblem[],
  required = 'is required',
): void {
  const need = needer(problems, required);
  need(installation.technology, '/body/installation/technology');
  if (installation.technology && HEAT_PUMPS.includes(installation.technology)) {
    need(installation.manufacturer, '/body/installation/manufacturer', 'is required for a heat pump');
    need(installation.model, '/body/installation/model', 'is required for a heat pump');
    need(installation.ratedCapacityKw, '/body/installation/ratedCapacityKw', 'is required for a heat pump');
    need(
      installation.designFlowTemperatureC,
      '/body/installation/designFlowTemperatureC',
      'is required for a heat pump',
    );
  }
  if (
    installation.commissioningDate &&
    Date.parse(installation.commissioningDate) > Date.now() + 366 * 86_400_000
  ) {
    problems.push({
      field: '/body/installation/commissioningDate',
      message: 'is more than a year in the future',
    });
  }
}

/**
 * Everything that keeps an order from being submitted, by field path. Empty: it can be submitted.
 */
/** What is inconsistent in one meter (reading method and url, location, circuit, channels). */
export function meterProblems(meter: MeterSpec, at: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const method = meter.reading?.method ?? 'push';
  if (method === 'poll' && !meter.reading?.url)
    problems.push({ field: `${at}/reading/url`, message: 'is required to poll a meter' });
  if (method !== 'poll' && meter.reading?.url)
    problems.push({ field: `${at}/reading/url`, message: `is only for poll, not ${method}` });
  if (meter.kind === 'temperature_sensor' && !meter.location)
    problems.push({ field: `${at}/location`, message: 'is required for a temperature sensor' });
  if (meter.location && meter.kind !== 'temperature_sensor') {
    problems.push({ field: `${at}/location`, message: 'is only for temperature sensors' });
  }
  if (meter.measures && meter.kind !== 'electricity_meter') {
    problems.push({ field: `${at}/measures`, message: 'is only for electricity meters' });
  }
  resolveChannels(meter, at, problems);
  return problems;
}
