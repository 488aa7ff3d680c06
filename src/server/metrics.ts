// Prometheus metrics of the gated index, in the text exposition format (version 0.0.4) served at
// /metrics: counters and histograms with labels, kept in memory. Small on purpose: a client library
// would be one more dependency in a tool whose job is to doubt dependencies.

type Labels = Readonly<Record<string, string>>;

/** Series keys of frozen label objects, which hot callers keep and pass again. */
const frozenKeys = new WeakMap<Labels, string>();

// Every request counts itself, so building a series key is on the hot path: computed once for a
// frozen label object, and otherwise without sorting names already in order or replacing when
// nothing needs escaping.
function labelKey(labels: Labels): string {
  const known = frozenKeys.get(labels);
  if (known !== undefined) return known;
  const key = buildLabelKey(labels);
  if (Object.isFrozen(labels)) frozenKeys.set(labels, key);
  return key;
}

function buildLabelKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! > names[i]!) {
      names.sort();
      break;
    }
  }
  let key = '{';
  for (let i = 0; i < names.length; i++) key += `${i === 0 ? '' : ','}${names[i]!}="${escapeLabel(labels[names[i]!] ?? '')}"`;
  return `${key}}`;
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e9) / 1e9);
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.#values) lines.push(`${this.name}${key} ${formatValue(value)}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  #value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read?: () => number,
  ) {}

  set(value: number): void {
    this.#value = value;
  }

  render(): string {
    const value = this.read?.() ?? this.#value;
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${formatValue(value)}`].join('\n');
  }
}

export class Histogram implements Metric {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const series of this.#series.values()) {
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket${labelKey({ ...series.labels, le: formatValue(le) })} ${series.counts[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${labelKey({ ...series.labels, le: '+Inf' })} ${series.count}`);
      lines.push(`${this.name}_sum${labelKey(series.labels)} ${formatValue(series.sum)}`);
      lines.push(`${this.name}_count${labelKey(series.labels)} ${series.count}`);
    }
    return lines.join('\n');
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric the server exports. */
export class ServerMetrics {
  readonly requests = new Counter('pyvouch_http_requests_total', 'HTTP requests answered, by route and status.');
  readonly requestDuration = new Histogram(
    'pyvouch_http_request_duration_seconds',
    'Time to answer an HTTP request, by route.',
    LATENCY_BUCKETS,
  );
  readonly decisions = new Counter(
    'pyvouch_decisions_total',
    'Per-file policy decisions acted on, by verdict and by what the server did (serve, refuse, hide, audit, error).',
  );
  readonly decisionCache = new Counter('pyvouch_decision_cache_total', 'Per-file decision lookups, by result (hit or miss).');
  readonly pageCache = new Counter('pyvouch_page_cache_total', 'Rendered project page lookups, by result (hit or miss).');
  readonly upstreamDuration = new Histogram(
    'pyvouch_upstream_request_duration_seconds',
    'Time spent on upstream requests, by kind (page, file, metadata, provenance, projects) and outcome.',
    LATENCY_BUCKETS,
  );
  readonly statements = new Counter('pyvouch_statements_received_total', 'Statements submitted to POST /statements, by result.');
  readonly logErrors = new Counter('pyvouch_decision_log_errors_total', 'Decisions that could not be written to the decision log.');
  readonly generation: Gauge;
  readonly #all: Metric[];

  constructor(generation: () => number) {
    this.generation = new Gauge('pyvouch_decision_generation', 'Times this process invalidated its cached decisions.', generation);
    this.#all = [
      this.requests,
      this.requestDuration,
      this.decisions,
      this.decisionCache,
      this.pageCache,
      this.upstreamDuration,
      this.statements,
      this.logErrors,
      this.generation,
    ];
  }

  /** Times an upstream call, observing success and failure apart. */
  async timeUpstream<T>(kind: string, work: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const value = await work();
      outcome = 'ok';
      return value;
    } finally {
      this.upstreamDuration.observe({ kind, outcome }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }

  render(): string {
    return `${this.#all.map((m) => m.render()).join('\n')}\n`;
  }
}
