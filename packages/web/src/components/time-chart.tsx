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
  const { title, times, series, zone, height = 260, onZoom } = props;
  const box = useRef<HTMLDivElement>(null);
  const [asTable, setAsTable] = useState(false);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;

  useEffect(() => {
    const element = box.current;
    if (!element || asTable) return;
    const units = [...new Set(series.map((s) => s.unit))];
    const bars = uPlot.paths.bars?.({ size: [0.7, 48] });
    const uSeries: Options['series'] = [
      { label: 'Time', value: (_u, v) => (v == null ? '—' : dateTime(v * 1000, zone)) },
    ];
    const data: (number | null)[][] = [times.map((t) => t / 1000)];
    const bands: Options['bands'] = [];
    for (const s of series) {
      const scale = s.unit;
      if (s.min && s.max) {
        // The band first: uPlot fills between two series given by index.
        const base = uSeries.length;
        uSeries.push(
          {
            label: `${s.label} max`,
            scale,
            stroke: 'transparent',
            points: { show: false },
            legend: false,
          } as never,
          {
            label: `${s.label} min`,
            scale,
            stroke: 'transparent',
            points: { show: false },
            legend: false,
          } as never,
        );
        data.push(s.max, s.min);
        bands.push({ series: [base, base + 1], fill: `${s.color}22` });
      }
      uSeries.push({
        label: s.label,
        scale,
        stroke: s.color,
        width: s.kind === 'bars' ? 1 : 1.5,
        ...(s.kind === 'bars' && bars ? { paths: bars, fill: `${s.color}bb` } : {}),
        points: { show: false },
        spanGaps: false,
        value: (_u, v) => num(v, s.unit, s.digits ?? 1),
      });
      data.push(s.values);
    }
    const axes: Options['axes'] = [
      { ...AXIS },
      ...units.map((unit, i) => ({
        ...AXIS,
        scale: unit,
        label: unit === '1' ? 'COP' : unit,
        side: i === 0 ? 3 : 1,
        size: 56,
        grid: i === 0 ? AXIS.grid : { show: false },
      })),
    ];
    const scales: Options['scales'] = { x: { time: true } };
    for (const unit of units) scales[unit] = { auto: true };
    const options: Options = {
      width: element.clientWidth || 600,
      height,
      title: undefined,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      series: uSeries,
      axes,
      scales,
      bands,
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 5) return;
            const from = u.posToVal(left, 'x') * 1000;
            const to = u.posToVal(left + width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomRef.current?.(Math.round(from), Math.round(to));
          },
        ],
      },
    };
    const plot = new uPlot(options, data as AlignedData, element);
    const canvas = element.querySelector('canvas');
    canvas?.setAttribute('role', 'img');
    canvas?.setAttribute('aria-label', summary(props));
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, zone, height, asTable]);

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
