/** One operation measured in a suite, e.g. "ioredis GET" or "redgrid GET". */
export interface BenchCase {
  /** Shown in the table; say whose code it is: `redgrid`, `ioredis`, `cockatiel`, ... */
  name: string;
  /** The case the others are compared with. At most one per suite; without one, the first case. */
  baseline?: boolean;
  /** One operation. May return a promise; the runner awaits it. */
  fn: () => unknown;
}

/** What a suite receives when it is set up. */
export interface SuiteContext {
  /** True in the smoke run inside `pnpm test`: keep data sets tiny. */
  readonly smoke: boolean;
  /**
   * A standalone redis-server of the harness, started on first call and stopped after the
   * suite. Every case of the suite talks to this same server.
   */
  redis(): Promise<{ host: string; port: number }>;
  /** Registers a cleanup that runs after the suite, last registered first. */
  onTeardown(cleanup: () => unknown): void;
}

/** Figures of one measured case, as printed and written to JSON. */
export interface CaseResult {
  suite: string;
  name: string;
  baseline: boolean;
  opsPerSecond: number;
  /** Latency of one operation, in microseconds. */
  p50Us: number;
  p99Us: number;
  /** opsPerSecond divided by the baseline's opsPerSecond. */
  ratio: number;
  operations: number;
}

/** What a suite's `setup` returns. */
export interface SuiteInstance {
  cases: BenchCase[];
  /** Extra lines for the report, computed from the measured cases (e.g. overhead in ns). */
  notes?: (results: readonly CaseResult[]) => string[] | Promise<string[]>;
}

/**
 * A benchmark suite. `micro` suites time tight loops of one caller (for code that costs
 * nanoseconds: a breaker, a hash ring); `load` suites run `concurrency` callers at once for a
 * fixed time (for anything that talks to Redis).
 */
export interface SuiteDefinition {
  name: string;
  description: string;
  kind: 'micro' | 'load';
  /** Concurrent callers in a `load` suite. Default 50. */
  concurrency?: number;
  /** Measuring time per case and round, in ms. Default 1000 (micro) / 3000 (load). */
  durationMs?: number;
  setup(context: SuiteContext): SuiteInstance | Promise<SuiteInstance>;
}

/**
 * Declares a suite. Put it in `src/suites/<name>.bench.ts` as `export const suite =
 * defineSuite({...})`: the runner finds suites by file name.
 */
export function defineSuite(definition: SuiteDefinition): SuiteDefinition {
  return definition;
}
