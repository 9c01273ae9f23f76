// What `GET /metrics` reports, in Prometheus' text format: requests, errors by kind, batch sizes,
// request latency and the queue.

/** Why a request failed, as `/metrics` counts it and the error body names it. */
export type ErrorKind = 'bad_request' | 'bad_image' | 'too_large' | 'not_found' | 'method' | 'queue_full' | 'unavailable' | 'timeout' | 'internal';

/** Upper bounds of the latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A cumulative histogram, as Prometheus keeps one. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.bounds.forEach((bound, i) => {
      if (value <= bound) this.counts[i] = (this.counts[i] as number) + 1;
    });
  }

  lines(name: string): string[] {
    return [
      ...this.bounds.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    ];
  }
}

/** Batch-size buckets: powers of two up to `maxBatch`, and `maxBatch` itself. */
function batchBuckets(maxBatch: number): number[] {
  const bounds: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) bounds.push(b);
  bounds.push(maxBatch);
  return bounds;
}

/** The counters of one prediction server. */
export class ServeMetrics {
  #requests = new Map<string, number>();
  #errors = new Map<ErrorKind, number>();
  #images = 0;
  readonly #batchSizes: Histogram;
  readonly #latency = new Histogram(LATENCY_BUCKETS);

  constructor(maxBatch: number) {
    this.#batchSizes = new Histogram(batchBuckets(maxBatch));
  }

  request(endpoint: string): void {
    this.#requests.set(endpoint, (this.#requests.get(endpoint) ?? 0) + 1);
  }

  error(kind: ErrorKind): void {
    this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1);
  }

  /** One eval step of `size` images. */
  batch(size: number): void {
    this.#batchSizes.observe(size);
    this.#images += size;
  }

  /** A `/predict` request answered (whatever the status), `seconds` after it arrived. */
  latency(seconds: number): void {
    this.#latency.observe(seconds);
  }

  /** The whole exposition; `queued` and `inFlight` are read at the time of the scrape. */
  render(queued: number, inFlight: number): string {
    const out = [
      '# HELP fasttune_requests_total Requests received, by endpoint.',
      '# TYPE fasttune_requests_total counter',
      ...[...this.#requests].map(([endpoint, n]) => `fasttune_requests_total{endpoint="${endpoint}"} ${n}`),
      '# HELP fasttune_errors_total Requests answered with an error, by kind.',
      '# TYPE fasttune_errors_total counter',
      ...[...this.#errors].map(([kind, n]) => `fasttune_errors_total{kind="${kind}"} ${n}`),
      '# HELP fasttune_images_predicted_total Images that went through the model.',
      '# TYPE fasttune_images_predicted_total counter',
      `fasttune_images_predicted_total ${this.#images}`,
      '# HELP fasttune_batch_size Images per eval step.',
      '# TYPE fasttune_batch_size histogram',
      ...this.#batchSizes.lines('fasttune_batch_size'),
      '# HELP fasttune_request_duration_seconds Time from a /predict request to its answer.',
      '# TYPE fasttune_request_duration_seconds histogram',
      ...this.#latency.lines('fasttune_request_duration_seconds'),
      '# HELP fasttune_queue_depth Images waiting for an eval step.',
      '# TYPE fasttune_queue_depth gauge',
      `fasttune_queue_depth ${queued}`,
      '# HELP fasttune_in_flight_images Images in the eval step now running.',
      '# TYPE fasttune_in_flight_images gauge',
      `fasttune_in_flight_images ${inFlight}`,
    ];
    return `${out.join('\n')}\n`;
  }
}
