import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';
import { num } from '../format';
import { ScrollRegion } from './scroll-region';

export interface XYChartProps {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  y: (number | null)[];
  mode: 'bars' | 'points';
  color?: string;
  /** Names of the points for the table (e.g. home references); else the x value. */
  names?: string[];
  height?: number;
  xDigits?: number;
  yDigits?: number;
  /** A sentence for screen readers; the table behind the toggle holds every point. */
  description: string;
}

const AXIS = {
  stroke: '#3b4252',
  grid: { stroke: '#e5e7eb', width: 1 },
  ticks: { stroke: '#d1d5db', width: 1 },
};

/** A chart of y against a numeric x (a histogram's bins, or a scatter of homes), by uPlot. */
export function XYChart(props: XYChartProps) {
  const {
    title,
    xLabel,
    yLabel,
    x,
    y,
    mode,
    color = '#b4411b',
    names,
    height = 240,
    xDigits = 1,
    yDigits = 1,
  } = props;
  const box = useRef<HTMLDivElement>(null);
  const [asTable, setAsTable] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element || asTable || x.length === 0) return;
    const order = x.map((_, i) => i).sort((a, b) => (x[a] as number) - (x[b] as number));
    const xs = order.map((i) => x[i] as number);
    const ys = order.map((i) => y[i] ?? null);
    const step = xs.length > 1 ? (xs[1] as number) - (xs[0] as number) : 1;
    const options: Options = {
      width: element.clientWidth || 600,
      height,
      scales: {
        // Bars stand whole inside the axis: half a bin of room at either end.
        x: {
          time: false,
          ...(mode === 'bars' ? { range: [(xs[0] ?? 0) - step / 2, (xs.at(-1) ?? 1) + step / 2] } : {}),
        },
        y: { auto: true, range: (_u, min, max) => [Math.min(0, min), max * 1.1 || 1] },
      },
      axes: [
        { ...AXIS, label: xLabel, values: (_u, ticks) => ticks.map((t) => num(t, '', xDigits)) },
        {
          ...AXIS,
          label: yLabel,
          size: 56,
          ...(yDigits === 0 ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } : {}),
        },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: xLabel },
        mode === 'bars'
          ? {
              label: yLabel,
              stroke: color,
              fill: `${color}bb`,
              paths: uPlot.paths.bars?.({ size: [0.9, 60] }),
              points: { show: false },
            }
          : {
              label: yLabel,
              stroke: color,
              paths: () => null,
              points: { show: true, size: 7, fill: `${color}99`, stroke: color },
            },
      ],
    };
    const plot = new uPlot(options, [xs, ys] as AlignedData, element);
    const canvas = element.querySelector('canvas');
    canvas?.setAttribute('role', 'img');
    canvas?.setAttribute('aria-label', `${title}: ${props.description}`);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, y, asTable, height]);
  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <button type="button" class="link-button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Show chart' : 'Show as table'}
        </button>
      </figcaption>
      {x.length === 0 ? (
        <p class="empty">Nothing to chart.</p>
      ) : asTable ? (
        <ScrollRegion label={`${title} as a table`} extra="chart-table">
          <table>
            <thead>
              <tr>
                {names && <th scope="col">Home</th>}
                <th scope="col">{xLabel}</th>
                <th scope="col">{yLabel}</th>
              </tr>
            </thead>
            <tbody>
              {x.map((xv, i) => (
                <tr key={i}>
                  {names && <td>{names[i]}</td>}
                  <td>{num(xv, '', xDigits)}</td>
                  <td>{num(y[i], '', yDigits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : (
        <>
          <p class="sr-only">{props.description}</p>
          <div ref={box} class="chart-canvas" />
        </>
      )}
    </figure>
  );
}
