import { Button, Disclosure, DisclosurePanel, Heading } from 'react-aria-components';
import { formatMonthLong, formatMonthShort } from './due-keys.ts';
import type { MonthCount } from './due-keys.ts';

// A bar chart, in SVG, of keys reaching the end of their originator usage period in each of
// the next 12 months, with the same figures as a table for screen readers and for reading.

const WIDTH = 720;
const HEIGHT = 240;
const PLOT = { left: 36, right: 8, top: 20, bottom: 44 };

/** A round step for the y axis, so there are at most about 4 grid lines. */
function stepFor(max: number): number {
  if (max <= 4) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return step ?? 10 * power;
}

/** In words, what the chart shows: for its accessible name. */
function summaryOf(months: readonly MonthCount[]): string {
  const total = months.reduce((sum, m) => sum + m.count, 0);
  if (total === 0)
    return 'No key reaches the end of its originator usage period in the next 12 months.';
  const peak = months.reduce((best, m) => (m.count > best.count ? m : best));
  const peaks = months.filter((m) => m.count === peak.count).length;
  const keys = `${total} key${total === 1 ? ' reaches' : 's reach'}`;
  const most =
    peaks === 1
      ? `the most, ${peak.count}, in ${formatMonthLong(peak.start)}`
      : `at most ${peak.count} in any one month`;
  return `${keys} the end of the originator usage period in the next 12 months; ${most}.`;
}

/** The first few names, and how many more. */
function namesInBrief(names: readonly string[]): string {
  if (names.length === 0) return '—';
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

export function DueChart({ months }: { months: readonly MonthCount[] }) {
  const max = Math.max(1, ...months.map((m) => m.count));
  const step = stepFor(max);
  const top = Math.ceil(max / step) * step;
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const slot = plotWidth / Math.max(1, months.length);
  const barWidth = Math.min(40, slot * 0.6);
  const y = (value: number) => PLOT.top + plotHeight - (value / top) * plotHeight;
  const ticks = Array.from({ length: top / step + 1 }, (_, i) => i * step);
  const summary = summaryOf(months);
  return (
    <figure className="due-chart">
      <svg
        className="due-chart-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Bar chart by month. ${summary}`}
      >
        {ticks.map((tick) => (
          <g key={tick} className="due-chart-grid" aria-hidden="true">
            <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={y(tick)} y2={y(tick)} />
            <text x={PLOT.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {months.map((month, i) => {
          const x = PLOT.left + i * slot + (slot - barWidth) / 2;
          const showYear = i === 0 || month.start.getMonth() === 0;
          const name = formatMonthShort(month.start);
          const year = String(month.start.getFullYear());
          return (
            <g key={month.start.toISOString()} className="due-chart-month">
              {month.count > 0 && (
                <rect
                  className="due-chart-bar"
                  x={x}
                  y={y(month.count)}
                  width={barWidth}
                  height={y(0) - y(month.count)}
                  rx={2}
                >
                  <title>
                    {formatMonthLong(month.start)}: {month.count} key{month.count === 1 ? '' : 's'}
                  </title>
                </rect>
              )}
              <text
                className="due-chart-value"
                x={x + barWidth / 2}
                y={y(month.count) - 6}
                textAnchor="middle"
              >
                {month.count}
              </text>
              <text
                className="due-chart-label"
                x={x + barWidth / 2}
                y={HEIGHT - PLOT.bottom + 18}
                textAnchor="middle"
              >
                {name}
              </text>
              {showYear && (
                <text
                  className="due-chart-year"
                  x={x + barWidth / 2}
                  y={HEIGHT - PLOT.bottom + 34}
                  textAnchor="middle"
                >
                  {year}
                </text>
              )}
            </g>
          );
        })}
        <line
          className="due-chart-axis"
          x1={PLOT.left}
          x2={WIDTH - PLOT.right}
          y1={y(0)}
          y2={y(0)}
        />
      </svg>
      <figcaption className="hint">{summary}</figcaption>
      <Disclosure className="due-chart-figures">
        <Heading level={3} className="due-chart-figures-heading">
          <Button slot="trigger" className="button button-quiet">
            The figures as a table
          </Button>
        </Heading>
        <DisclosurePanel>
          <table className="table due-chart-table">
            <caption className="visually-hidden">
              Keys whose originator usage period ends, by month
            </caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col">Keys</th>
                <th scope="col">Which</th>
              </tr>
            </thead>
            <tbody>
              {months.map((month) => (
                <tr key={month.start.toISOString()}>
                  <th scope="row">{formatMonthLong(month.start)}</th>
                  <td>{month.count}</td>
                  <td>{namesInBrief(month.keys)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </DisclosurePanel>
      </Disclosure>
    </figure>
  );
}
