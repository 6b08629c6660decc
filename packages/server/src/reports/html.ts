import { DateTime } from 'luxon';
import type { MonthlyReport } from './schemas.js';

/**
 * The monthly report as one self-contained, printable HTML page (A4, inline CSS, no scripts, no
 * external assets). It shows the figures of the JSON document as they are; every value that
 * reaches the page goes through `html`, which escapes it, so a reference or model name can never
 * become markup.
 */

/** Markup that is already safe: only `html` makes it. */
class Safe {
  constructor(readonly text: string) {}
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

type Value = Safe | string | number | boolean | null | undefined | Value[];

const render = (value: Value): string => {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined) return '';
  return escapeHtml(String(value));
};

/** A template whose interpolations are escaped (arrays joined, `Safe` kept). */
function html(strings: TemplateStringsArray, ...values: Value[]): Safe {
  let out = strings[0] as string;
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] as string);
  });
  return new Safe(out);
}

const DASH = '–';

/** A figure with its unit, or a dash when there is none. */
const figure = (value: number | null | undefined, unit = ''): Safe =>
  value === null || value === undefined
    ? html`<span class="none">${DASH}</span>`
    : html`${String(value)}${unit ? ` ${unit}` : ''}`;

const row = (label: string, value: Value, note?: Value): Safe =>
  html`<tr><th scope="row">${label}</th><td>${value}</td>${note === undefined ? '' : html`<td class="note">${note}</td>`}</tr>`;

/** Where a report's degree days come from, in words. */
const degreeDaysFrom = (source: 'outdoor_sensor' | 'region' | null, region: string): Safe =>
  source === 'outdoor_sensor'
    ? html`from the home's outdoor sensor`
    : source === 'region'
      ? html`from region ${region}'s daily weather`
      : html`no degree days`;

const CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }
th, td { text-align: left; padding: 1mm 2mm; border-bottom: 1px solid #ddd; vertical-align: top; }
thead th { background: #f0f0f0; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody th { font-weight: 500; width: 38%; }
.note { color: #555; font-size: 9pt; }
.none { color: #888; }
.refused { color: #8a1c1c; }
.ok { color: #1c6b2a; }
.meta { display: flex; gap: 8mm; flex-wrap: wrap; }
.meta div { flex: 1 1 70mm; }
footer { margin-top: 8mm; border-top: 1px solid #999; padding-top: 2mm; font-size: 8.5pt; color: #555; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  table, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

const TECHNOLOGY: Record<string, string> = {
  air_source_heat_pump: 'air source heat pump',
  ground_source_heat_pump: 'ground source heat pump',
  water_source_heat_pump: 'water source heat pump',
};

/** The monthly report as an HTML page. */
export function monthlyReportHtml(report: MonthlyReport): string {
  const zone = report.timeZone;
  const localDate = (iso: string) => DateTime.fromISO(iso, { zone }).toFormat('d LLL yyyy');
  const localTime = (iso: string) => DateTime.fromISO(iso, { zone }).toFormat('d LLL yyyy HH:mm');
  const monthName = DateTime.fromISO(report.from, { zone }).toFormat('LLLL yyyy');
  const { performance: p, insight: i, installation: inst, home } = report;
  const w = p.window;
  const d = w.design;
  const period = i.periods[0];

  const address = [...home.address.addressLines, home.address.town, home.address.postcode]
    .filter((line) => line !== null && line !== '')
    .map((line) => html`${line}<br>`);

  const spf =
    w.spf !== null
      ? html`<strong>${String(w.spf)}</strong>`
      : html`<span class="refused">not stated: ${w.quality.reasons.map((r) => r.message).join('; ')}</span>`;

  const cost = i.window.cost;
  const fuelCost = (c: typeof cost.electricity, name: string): Safe =>
    c === null
      ? html``
      : html` (${name} ${String(c.total)} ${c.currency}: energy ${String(c.energy)}, standing ${String(c.standing)})`;

  const unavailable = w.unavailable.map((u) => html`<li><code>${u.field}</code>: ${u.reason}</li>`);

  const body = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monthly performance report ${monthName}: ${home.reference}</title>
<style>${new Safe(CSS)}</style>
</head>
<body>
<header>
<h1>Monthly performance report: ${monthName}</h1>
<p>${localDate(report.from)} to ${localDate(report.to)} (end exclusive), ${zone}${report.complete ? '' : html`. <strong>The month is not over: figures to ${localTime(report.generatedAt)}.</strong>`}</p>
<div class="meta">
<div><h2>Home</h2><p><strong>${home.reference}</strong></p><p>${address}</p></div>
<div><h2>Installation</h2><table><tbody>
${row('Technology', inst.technology ? (TECHNOLOGY[inst.technology] ?? inst.technology) : DASH)}
${row('Make and model', [inst.manufacturer, inst.model].filter((x) => x).join(' ') || DASH)}
${row('Rated capacity', figure(inst.ratedCapacityKw, 'kW'))}
${row('Commissioned', inst.commissioningDate ?? DASH)}
${row('MCS certificate', inst.mcsCertificateNumber ?? DASH)}
${row('Design flow temperature', figure(inst.designFlowTemperatureC, '°C'))}
</tbody></table></div>
</div>
</header>

<section id="figures">
<h2>The month's figures</h2>
<table><tbody>
${row('SPF', spf, p.boundary ? p.boundary.description : 'the meters support no SEPEMO boundary')}
${row('Heat', figure(w.heatKwh, 'kWh'), 'at the boundary')}
${row('Electricity', figure(w.electricityKwh, 'kWh'), 'at the boundary')}
${row('Coverage', html`${String(w.coverage.percent)} %`, html`${String(w.coverage.hoursWithData)} of ${String(w.coverage.hours)} hours with data; SPF stated from ${String(p.minCoveragePercent)} %`)}
${row('Heat-weighted flow temperature', figure(w.flowTemperatureWeightedC, '°C'))}
${row('Compressor starts per hour', figure(w.startsPerHourOfData), html`${w.starts === null ? '' : `${w.starts} starts`}${w.powerReadingHours === null ? '' : ` in ${w.powerReadingHours} hours of data`}`)}
${row('Compressor starts per running hour', figure(w.startsPerRunningHour), html`${w.runningHours === null ? '' : `${w.runningHours} running hours`}`)}
${row('% of Carnot', figure(w.carnotPercent, '%'), html`running COP against the Carnot COP between flow + ${String(w.carnotConvention.condensingOffsetK)} K and outdoor ${String(w.carnotConvention.evaporatingOffsetK)} K, over ${String(w.carnotHours)} running hours`)}
${row('Defrost', figure(w.defrostKwh, 'kWh'))}
${row('Energy use', html`electricity ${figure(i.window.electricityKwh, 'kWh')}${i.window.gasKwh === null ? '' : html`, gas ${figure(i.window.gasKwh, 'kWh')}`}${i.window.pvKwh === null ? '' : html`, PV ${figure(i.window.pvKwh, 'kWh')}`}`, 'all metered electricity of the home (the whole house meter when fitted)')}
${row(
  'Cost',
  cost.total === null ? figure(null) : html`${String(cost.total)} ${cost.currency ?? ''}`,
  cost.total === null
    ? 'not stated: a metered fuel has no tariff on every day of the month (GET /homes/{id}/tariffs)'
    : html`${fuelCost(cost.electricity, 'electricity')}${fuelCost(cost.gas, 'gas')}`,
)}
${row('Carbon', figure(i.window.carbonKg, 'kgCO2e'))}
${row('Heating degree days', i.window.degreeDays === null ? figure(null) : html`${String(i.window.degreeDays.value)} K·day`, i.window.degreeDays === null ? html`no outdoor temperature sensor, and no weather series for region ${i.region}` : html`base 15.5 °C; ${String(i.window.degreeDays.daysMeasured)} of ${String(i.window.degreeDays.days)} days measured; ${degreeDaysFrom(i.degreeDaysSource, i.region)}`)}
</tbody></table>
</section>

<section id="periods">
<h2>COP per ${p.period}</h2>
<table>
<thead><tr><th>From</th><th>To</th><th class="num">Heat kWh</th><th class="num">Electricity kWh</th><th class="num">COP</th><th class="num">Coverage %</th><th>Quality</th></tr></thead>
<tbody>
${p.periods.map(
  (r) =>
    html`<tr><td>${localDate(r.start)}</td><td>${localDate(r.end)}</td><td class="num">${figure(r.heatKwh)}</td><td class="num">${figure(r.electricityKwh)}</td><td class="num">${figure(r.cop)}</td><td class="num">${String(r.coverage.percent)}</td><td>${r.quality.ok ? html`<span class="ok">ok</span>` : r.quality.reasons.map((x) => x.code).join(', ')}</td></tr>\n`,
)}
</tbody>
</table>
</section>

<section id="design">
<h2>Against the design</h2>
<table><tbody>
${row('SPF against design', figure(d.spfRatio), d.spfRatioAgainst === null ? 'no design SPF or SCOP, or no SPF' : html`SPF / ${d.spfRatioAgainst === 'designSpf' ? `design SPF ${d.spf}` : `design SCOP ${d.scop}`}`)}
${row('Heat loss', html`measured ${figure(d.measuredHeatLossWPerK, 'W/K')}, design ${figure(d.heatLossWPerK, 'W/K')}`, d.measuredHeatLossWPerK === null ? '' : html`fitted on ${String(d.heatLossDays)} days`)}
${row('Annual heat demand', html`normalised ${figure(d.normalisedAnnualHeatKwh, 'kWh')}, design ${figure(d.annualHeatDemandKwh, 'kWh')}`, d.normalisedAnnualHeatKwh === null ? '' : html`${String(d.heatPerDegreeDayKwh)} kWh per degree day × ${String(d.annualDegreeDays)} K·day (${String(d.degreeDays)} K·day over ${String(d.degreeDayDays)} days measured, ${degreeDaysFrom(d.degreeDaysSource, d.region)})`)}
${row('Heat demand against design', figure(d.heatDemandRatio))}
</tbody></table>
${d.assumptions.length > 0 ? html`<p class="note">Assumptions: ${d.assumptions.join('; ')}.</p>` : ''}
</section>

<section id="weather">
<h2>Weather-normalised and last year</h2>
<table><tbody>
${row('Expected from the weather', figure(period?.expectedKwh, 'kWh'), i.window.signature ? html`${i.window.signature.fuel} the home's energy signature predicts for the month's degree days: ${String(i.window.signature.baseKwhPerDay)} kWh/day + ${String(i.window.signature.slopeKwhPerDegreeDay)} kWh per degree day (r² ${String(i.window.signature.r2)}, ${String(i.window.signature.days)} days)` : 'no energy signature (needs 14 whole days with data and an outdoor sensor)')}
${
  period?.lastYear
    ? [
        row(
          'Last year, same month',
          html`electricity ${figure(period.lastYear.electricityKwh, 'kWh')}, heat ${figure(period.lastYear.heatKwh, 'kWh')}${period.lastYear.gasKwh === null ? '' : html`, gas ${figure(period.lastYear.gasKwh, 'kWh')}`}`,
          html`${localDate(period.lastYear.start)} to ${localDate(period.lastYear.end)}`,
        ),
        row(
          'Last year’s degree days',
          period.lastYear.degreeDays === null
            ? figure(null)
            : html`${String(period.lastYear.degreeDays.value)} K·day`,
        ),
        row(
          'This year’s home in last year’s weather',
          figure(period.lastYear.weatherAdjustedKwh, 'kWh'),
          'the signature applied to last year’s degree days',
        ),
      ]
    : row('Last year, same month', html`<span class="none">no data for the same month last year</span>`)
}
</tbody></table>
</section>

<section id="data-quality">
<h2>Data quality</h2>
<p>Monitoring from ${localDate(report.dataQuality.monitoredFrom)}. At the boundary: ${String(w.coverage.hoursWithData)} of ${String(w.coverage.hours)} hours with every register read (${String(w.coverage.percent)} %); ${w.quality.ok ? html`<span class="ok">enough for an SPF</span>` : html`<span class="refused">${w.quality.reasons.map((r) => r.message).join('; ')}</span>`}.</p>
<table>
<thead><tr><th>Meter</th><th>Kind</th><th class="num">Hours with data</th><th class="num">Coverage %</th><th class="num">Gaps</th><th>Gaps (longest, local time)</th></tr></thead>
<tbody>
${report.dataQuality.meters.map(
  (m) =>
    html`<tr><td>${m.serial}</td><td>${m.kind}${m.measures ? ` (${m.measures})` : ''}${m.location ? ` (${m.location})` : ''}</td><td class="num">${String(m.hoursWithData)} / ${String(m.hours)}</td><td class="num">${String(m.percent)}</td><td class="num">${String(m.gapCount)} (${String(m.gapHours)} h)</td><td class="note">${m.gaps.map((g) => html`${localTime(g.from)} to ${localTime(g.to)} (${String(g.hours)} h)<br>`)}</td></tr>\n`,
)}
</tbody>
</table>
${unavailable.length > 0 ? html`<p>Figures not stated, and why:</p><ul class="note">${unavailable}</ul>` : ''}
</section>

<footer>
<p>Every figure is defined in Hearth's documentation: docs/performance.md (COP, SPF, SEPEMO boundaries, coverage, Carnot, starts, design), docs/insight.md (energy, cost, carbon, degree days, energy signature) and docs/reports.md (this report, coverage per meter and gaps). Energies in kWh, temperatures in °C.</p>
<p>Home ${home.id}. Generated ${report.generatedAt} (${localTime(report.generatedAt)} ${zone}).</p>
</footer>
</body>
</html>
`;
  return body.text;
}
