// CloudWatch's metric store: samples of a metric (namespace, name, exact set of dimensions: "a
// metric is uniquely defined by a name, a namespace, and zero or more dimensions", CloudWatch
// concepts) and their statistics per period: SampleCount, Sum, Average, Minimum, Maximum.
//
// Times are the emulator's real wall-clock times; a period given in AWS seconds lasts
// clock.ms(period) real milliseconds, and periods are aligned to multiples of that length, as
// CloudWatch aligns them to the clock (a 60 s period starts on the minute).

export type Statistic = 'SampleCount' | 'Sum' | 'Average' | 'Minimum' | 'Maximum';
export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'];

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricId {
  namespace: string;
  name: string;
  dimensions: Dimension[];
}

/** A sample, or a statistic set (PutMetricData's StatisticValues): several values at once. */
export interface Sample {
  at: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

interface Series {
  id: MetricId;
  unit?: string;
  samples: Sample[];
}

export interface MetricStore {
  /** Adds one value (or a statistic set) to a metric; creates the metric on its first sample. */
  put(
    id: MetricId,
    sample: Omit<Sample, 'count' | 'min' | 'max' | 'sum'> & Partial<Sample> & { value?: number },
    unit?: string,
  ): void;
  /** Per period [start, end): the statistic, or undefined for a period with no sample. */
  series(
    id: MetricId,
    stat: Statistic,
    start: number,
    end: number,
    periodMs: number,
  ): { at: number; value: number | undefined }[];
  /** Every metric that has a sample, optionally filtered (ListMetrics). */
  list(filter?: {
    namespace?: string;
    name?: string;
    dimensions?: { Name: string; Value?: string }[];
  }): MetricId[];
  /** Drops samples older than `before`. */
  prune(before: number): void;
  size(): number;
}

export function metricKey(id: MetricId): string {
  const dims = [...id.dimensions]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
  return `${id.namespace}\u0000${id.name}\u0000${dims}`;
}

export function statisticOf(samples: readonly Sample[], stat: Statistic): number | undefined {
  if (samples.length === 0) return undefined;
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    sum += s.sum;
    count += s.count;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
  }
  switch (stat) {
    case 'SampleCount':
      return count;
    case 'Sum':
      return sum;
    case 'Average':
      return count === 0 ? undefined : sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
  }
}

/** The start of the period `at` falls in. */
export function periodStart(at: number, periodMs: number): number {
  return Math.floor(at / periodMs) * periodMs;
}

export function createMetricStore(): MetricStore {
  const all = new Map<string, Series>();
  return {
    put(id, input, unit) {
      const key = metricKey(id);
      let series = all.get(key);
      if (!series) {
        series = { id: { ...id, dimensions: id.dimensions.map((d) => ({ ...d })) }, samples: [] };
        if (unit !== undefined) series.unit = unit;
        all.set(key, series);
      }
      const value = input.value ?? 0;
      series.samples.push({
        at: input.at,
        sum: input.sum ?? value,
        count: input.count ?? 1,
        min: input.min ?? value,
        max: input.max ?? value,
      });
    },
    series(id, stat, start, end, periodMs) {
      const samples = all.get(metricKey(id))?.samples ?? [];
      const first = periodStart(start, periodMs);
      const out: { at: number; value: number | undefined }[] = [];
      for (let at = first; at < end; at += periodMs) {
        const inPeriod = samples.filter((s) => s.at >= at && s.at < at + periodMs);
        out.push({ at, value: statisticOf(inPeriod, stat) });
      }
      return out;
    },
    list(filter = {}) {
      return [...all.values()]
        .filter((s) => s.samples.length > 0)
        .map((s) => s.id)
        .filter(
          (id) =>
            (filter.namespace === undefined || id.namespace === filter.namespace) &&
            (filter.name === undefined || id.name === filter.name) &&
            (filter.dimensions ?? []).every((want) =>
              id.dimensions.some(
                (d) => d.Name === want.Name && (want.Value === undefined || d.Value === want.Value),
              ),
            ),
        );
    },
    prune(before) {
      for (const series of all.values()) {
        const keep = series.samples.findIndex((s) => s.at >= before);
        if (keep === -1) series.samples = [];
        else if (keep > 0) series.samples = series.samples.slice(keep);
      }
    },
    size: () => [...all.values()].reduce((n, s) => n + s.samples.length, 0),
  };
}
