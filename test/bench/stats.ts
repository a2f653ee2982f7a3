// The few statistics the benchmark reports: medians and their spread, rounded for reading.

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/** The median of `values` (NaN for none). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** `value` to `digits` decimals. */
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Median, minimum and maximum of a set of timings in milliseconds. */
export const summary = (values: number[]): Timing => ({
  medianMs: round(median(values)),
  minMs: round(Math.min(...values)),
  maxMs: round(Math.max(...values)),
  runs: values.length,
});
