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
  /**
   * Keep 0 on the kW axis (responses and flexibility). Off for loads, which sit far from 0: the axis
   * is then labelled as not starting at zero, so differences are not read as proportions.
   */
  fromZero?: boolean;
  testId?: string;
}

/**
 * The last interval's value is repeated at its end so the step line covers the whole window; uPlot
 * keeps its own DOM, so the chart is rebuilt only when the set of series changes and otherwise fed
 * new data in place. Series are drawn in order, so one given later lies on top of an equal one given
 * earlier. Away from the cursor, the legend shows the values of the latest interval that has any.
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
        {
          label: fromZero ? 'kW' : 'kW (axis not from 0)',
          values: (_u, ticks) => ticks.map((t) => formatNumber(t)),
          size: 70,
        },
      ],
      hooks: {
        ready: [showLatest],
        setData: [showLatest],
        setCursor: [(u) => u.cursor.idx == null && showLatest(u)],
      },
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

/** Puts the legend on the last interval that has a value in some series (not on uPlot's "--"). */
function showLatest(u: uPlot): void {
  const xs = u.data[0] ?? [];
  // The last point repeats the last interval at the window's end: start from the one before it.
  for (let i = xs.length - 2; i >= 0; i--)
    if (u.data.slice(1).some((ys) => ys[i] !== null && ys[i] !== undefined)) {
      u.setLegend({ idx: i }, false);
      return;
    }
}
