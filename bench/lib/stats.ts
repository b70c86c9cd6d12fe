/** Small statistics over repeated runs: median and spread (min/max), and percentiles for latencies. */

export interface Summary {
  /** Median of the runs. */
  median: number;
  min: number;
  max: number;
  /** How many runs the summary is over. */
  runs: number;
  /** Every run's value, in run order. */
  values: number[];
}

/** Median, min and max of `values` (at least one). */
export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('summarize needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0], max: sorted[sorted.length - 1], runs: values.length, values: [...values] };
}

/** The p-th percentile (0–100) of already sorted values, by linear interpolation. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile needs at least one value');
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** e.g. `32 MiB`, `1 GiB`. */
export function formatSize(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / 1024).toFixed(1)} KiB`;
}
