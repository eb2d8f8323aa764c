/** A uPlot time chart of kW series per interval, drawn as steps (each value holds for its interval). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatDateTime, formatNumber, formatTime } from './format.ts';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
  fill?: boolean;
}

interface Props {
  /** Interval starts, epoch ms. */
  starts: number[];
  intervalMinutes: number;
  series: ChartSeries[];
  height?: number;
  /** Keep 0 on the kW axis (responses and flexibility); off for loads, which sit far from 0. */
  fromZero?: boolean;
  testId?: string;
}

/**
 * The last interval's value is repeated at its end so the step line covers the whole window; uPlot
 * keeps its own DOM, so the chart is rebuilt only when the set of series changes and otherwise fed
 * new data in place.
 */
export function Chart({ starts, intervalMinutes, series, height = 260, fromZero = true, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  const data = (): uPlot.AlignedData => {
    const last = starts.at(-1);
    const xs = last === undefined ? [] : [...starts, last + intervalMinutes * 60_000].map((t) => t / 1000);
    return [xs, ...series.map((s) => (s.values.length ? [...s.values, s.values.at(-1) ?? null] : []))];
  };

  // Rebuilt only when the set of series changes; data changes go through setData below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 320),
      height,
      scales: {
        x: { time: true },
        y: fromZero ? { range: (_u, min, max) => [Math.min(0, min), Math.max(max * 1.1, 1)] } : {},
      },
      axes: [
        // Labels in China time with a 24-hour clock, whatever the browser's zone.
        { values: (_u, ticks) => ticks.map((t) => formatTime(t * 1000)) },
        { label: 'kW', values: (_u, ticks) => ticks.map((t) => formatNumber(t)), size: 70 },
      ],
      series: [
        { value: (_u, v) => (v === null ? '–' : formatDateTime(v * 1000)) },
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dash,
            fill: s.fill ? `${s.color}22` : undefined,
            paths: uPlot.paths.stepped?.({ align: 1 }),
            points: { show: false },
            value: (_u, v) => (v === null || v === undefined ? '–' : `${formatNumber(v, 1)} kW`),
          }),
        ),
      ],
    };
    const chart = new uPlot(options, data(), el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 320), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape, height, fromZero]);

  useEffect(() => {
    plot.current?.setData(data());
  });

  return <div class="chart" ref={box} data-testid={testId} />;
}
