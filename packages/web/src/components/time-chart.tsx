import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { dateTime, num } from '../format';
import { ScrollRegion } from './scroll-region';

export interface ChartSeries {
  label: string;
  /** Unit of the values; series of one unit share an axis. */
  unit: string;
  color: string;
  values: (number | null)[];
  /** Per-point minimum and maximum (a reduced series), drawn as a band around the line. */
  min?: (number | null)[];
  max?: (number | null)[];
  kind?: 'line' | 'bars';
  digits?: number;
}

export interface TimeChartProps {
  title: string;
  /** Point times, epoch ms. */
  times: number[];
  series: ChartSeries[];
  zone: string;
  height?: number;
  /** Drag-to-zoom chose a range (epoch ms); the caller reloads at a finer resolution. */
  onZoom?: (from: number, to: number) => void;
  /** What one bar stands for, for its date label; default: guessed from the bars' spacing. */
  period?: 'day' | 'month';
  /** The time axis spans this range (epoch ms) whatever the data covers. */
  range?: { from: number; to: number };
}

const HOUR_S = 3600;
const DAY_S = 86_400;

/** A tick of a time axis in the agent's zone: 14:00, 7 Dec, Dec 2026, by the ticks' spacing. */
function tickLabel(ms: number, incrSeconds: number, zone: string): string {
  const parts = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...options }).format(new Date(ms));
  if (incrSeconds < DAY_S) {
    const time = parts({ hour: '2-digit', minute: '2-digit' });
    return time === '00:00' || incrSeconds >= 6 * HOUR_S
      ? `${parts({ day: 'numeric', month: 'short' })}\n${time}`
      : time;
  }
  if (incrSeconds < 28 * DAY_S) return parts({ day: 'numeric', month: 'short' });
  return parts({ month: 'short', year: 'numeric' });
}

/** A category's date: a month as "Nov 2026", a day or week as "7 Dec". */
function shortDate(ms: number, zone: string, all: number[], period?: 'day' | 'month'): string {
  const step = all.length > 1 ? ((all[1] as number) - (all[0] as number)) / 1000 : DAY_S;
  const months = period ? period === 'month' : step >= 28 * DAY_S;
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    ...(months ? { month: 'short', year: 'numeric' } : { day: 'numeric', month: 'short' }),
  }).format(new Date(ms));
}

const AXIS = {
  stroke: '#3b4252',
  grid: { stroke: '#e5e7eb', width: 1 },
  ticks: { stroke: '#d1d5db', width: 1 },
};

function summary(props: TimeChartProps): string {
  const { title, times, series, zone } = props;
  if (times.length === 0) return `${title}: no data in this range.`;
  const parts = series.map((s) => {
    const finite = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
    if (finite.length === 0) return `${s.label}: no data`;
    const lo = Math.min(...(s.min?.filter((v): v is number => v !== null) ?? finite));
    const hi = Math.max(...(s.max?.filter((v): v is number => v !== null) ?? finite));
    return `${s.label} from ${num(lo, s.unit, s.digits ?? 1)} to ${num(hi, s.unit, s.digits ?? 1)}`;
  });
  return `${title}, ${dateTime(times[0], zone)} to ${dateTime(times.at(-1), zone)}: ${parts.join('; ')}.`;
}

/**
 * A time-series chart drawn by uPlot (canvas, fast at hundreds of thousands of points), with axes
 * named by unit, a legend, drag-to-zoom and, as its text alternative, a summary for screen readers
 * and a table of every point behind a toggle.
 */
export function TimeChart(props: TimeChartProps) {
  const { title, times, series, zone, height = 260, onZoom, range } = props;
  const box = useRef<HTMLDivElement>(null);
  const [asTable, setAsTable] = useState(false);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;

  useEffect(() => {
    const element = box.current;
    if (!element || asTable) return;
    const units = [...new Set(series.map((s) => s.unit))];
    // Bars (a value per day, week or month) stand evenly spaced, one category each, labelled by date;
    // lines stand on a time axis spanning the whole chosen range.
    const categorical = series.some((s) => s.kind === 'bars');
    const barSeries = series.filter((s) => s.kind === 'bars');
    const xValues = categorical ? times.map((_, i) => i) : times.map((t) => t / 1000);
    const uSeries: Options['series'] = [
      {
        label: 'Time',
        value: (_u, v) => (v == null ? '—' : dateTime(categorical ? (times[v] ?? 0) : v * 1000, zone)),
      },
    ];
    const data: (number | null)[][] = [xValues];
    const bands: Options['bands'] = [];
    const hidden: number[] = [];
    for (const s of series) {
      const scale = s.unit;
      if (s.min && s.max) {
        // The band first: uPlot fills between two series given by index; their legend rows are hidden.
        const base = uSeries.length;
        uSeries.push(
          { label: `${s.label} max`, scale, stroke: 'transparent', points: { show: false } },
          { label: `${s.label} min`, scale, stroke: 'transparent', points: { show: false } },
        );
        hidden.push(base, base + 1);
        data.push(s.max, s.min);
        bands.push({ series: [base, base + 1], fill: `${s.color}14` });
      }
      const barIndex = barSeries.indexOf(s);
      const bars =
        s.kind === 'bars'
          ? uPlot.paths.bars?.({
              size: [barSeries.length > 1 ? 0.4 : 0.7, 48],
              align: barSeries.length > 1 ? (barIndex === 0 ? -1 : 1) : 0,
            })
          : undefined;
      uSeries.push({
        label: s.label,
        scale,
        stroke: s.color,
        width: s.kind === 'bars' ? 1 : 1.5,
        ...(bars ? { paths: bars, fill: `${s.color}bb` } : {}),
        points: { show: categorical && s.kind !== 'bars' },
        spanGaps: false,
        value: (_u, v) => num(v, s.unit === '1' ? '' : s.unit, s.digits ?? 1),
      });
      data.push(s.values);
    }
    const xAxis: uPlot.Axis = categorical
      ? {
          ...AXIS,
          values: (_u, ticks) =>
            ticks.map((i) =>
              Number.isInteger(i) && times[i] !== undefined
                ? shortDate(times[i], zone, times, props.period)
                : '',
            ),
        }
      : {
          ...AXIS,
          space: 70,
          values: (_u, ticks, _a, _s, incr) => ticks.map((t) => tickLabel(t * 1000, incr, zone)),
        };
    const axes: Options['axes'] = [
      xAxis,
      ...units.map((unit, i) => ({
        ...AXIS,
        scale: unit,
        label: unit === '1' ? 'COP' : unit,
        side: i === 0 ? 3 : 1,
        size: 56,
        grid: i === 0 ? AXIS.grid : { show: false },
      })),
    ];
    const scales: Options['scales'] = categorical
      ? { x: { time: false, range: [-0.5, Math.max(0.5, times.length - 0.5)] } }
      : { x: { time: true, ...(range ? { range: [range.from / 1000, range.to / 1000] } : {}) } };
    for (const unit of units)
      scales[unit] = { auto: true, range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] };
    const options: Options = {
      width: element.clientWidth || 600,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      series: uSeries,
      axes,
      scales,
      bands,
      legend: { live: true },
      cursor: categorical
        ? { drag: { x: false, y: false } }
        : { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 5 || categorical) return;
            const from = u.posToVal(left, 'x') * 1000;
            const to = u.posToVal(left + width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomRef.current?.(Math.round(from), Math.round(to));
          },
        ],
      },
    };
    const plot = new uPlot(options, data as AlignedData, element);
    const rows = element.querySelectorAll<HTMLElement>('.u-legend .u-series');
    for (const i of hidden) rows[i]?.style.setProperty('display', 'none');
    const canvas = element.querySelector('canvas');
    canvas?.setAttribute('role', 'img');
    canvas?.setAttribute('aria-label', summary(props));
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, zone, height, asTable, range?.from, range?.to]);

  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <button type="button" class="link-button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Show chart' : 'Show as table'}
        </button>
      </figcaption>
      {times.length === 0 ? (
        <p class="empty">No readings in this range.</p>
      ) : asTable ? (
        <ScrollRegion label={`${title} as a table`} extra="chart-table">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label} ({s.unit === '1' ? 'COP' : s.unit})
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {times.map((t, i) => (
                <tr key={t}>
                  <td>{dateTime(t, zone)}</td>
                  {series.map((s) => (
                    <td key={s.label}>{num(s.values[i], '', s.digits ?? 1)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : (
        <>
          <p class="sr-only">{summary(props)}</p>
          <div ref={box} class="chart-canvas" />
        </>
      )}
    </figure>
  );
}
