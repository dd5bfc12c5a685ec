import type { CaseResult, SuiteDefinition } from './define-suite.js';
import { type Measurement, measureLoad, measureMicro } from './measure.js';

/** How hard a run measures. The smoke run inside `pnpm test` only proves every case runs. */
export interface RunOptions {
  smoke: boolean;
  /** Interleaved rounds per case; the reported ops/s is the median round. Default 3 (1 in smoke). */
  rounds?: number;
}

/** What one suite run produced: its measured cases and the notes the suite derived from them. */
export interface SuiteReport {
  suite: SuiteDefinition;
  results: CaseResult[];
  notes: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Sets a suite up, measures every case in interleaved rounds (so that a slow moment of this
 * shared machine hits every case alike), tears it down, and computes ratios to the baseline.
 */
export async function runSuite(suite: SuiteDefinition, options: RunOptions): Promise<SuiteReport> {
  const cleanups: Array<() => unknown> = [];
  let redis: Promise<{ host: string; port: number }> | undefined;
  const context = {
    smoke: options.smoke,
    onTeardown(cleanup: () => unknown) {
      cleanups.push(cleanup);
    },
    redis() {
      redis ??= (async () => {
        const { startStandalone } = await import('@redgrid/redis-harness');
        const server = await startStandalone();
        cleanups.unshift(() => server.stop());
        return { host: server.host, port: server.port };
      })();
      return redis;
    },
  };

  try {
    const instance = await suite.setup(context);
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const durationMs = options.smoke
      ? suite.kind === 'micro'
        ? 20
        : 100
      : (suite.durationMs ?? (suite.kind === 'micro' ? 1000 : 3000));
    const concurrency = suite.concurrency ?? 50;
    const measured = new Map<string, Measurement[]>();
    for (let round = 0; round < rounds; round++) {
      for (const benchCase of instance.cases) {
        const measurement =
          suite.kind === 'micro'
            ? await measureMicro(benchCase.fn, { durationMs })
            : await measureLoad(benchCase.fn, { durationMs, concurrency });
        const list = measured.get(benchCase.name) ?? [];
        list.push(measurement);
        measured.set(benchCase.name, list);
      }
    }

    const baselineName =
      instance.cases.find((benchCase) => benchCase.baseline)?.name ?? instance.cases[0]?.name;
    const summaries = instance.cases.map((benchCase) => {
      const list = measured.get(benchCase.name) ?? [];
      return {
        name: benchCase.name,
        opsPerSecond: median(list.map((m) => (m.operations * 1000) / m.elapsedMs)),
        p50Us: median(list.map((m) => m.p50Us)),
        p99Us: median(list.map((m) => m.p99Us)),
        operations: list.reduce((sum, m) => sum + m.operations, 0),
      };
    });
    const baselineOps =
      summaries.find((summary) => summary.name === baselineName)?.opsPerSecond ?? Number.NaN;
    const results: CaseResult[] = summaries.map((summary) => ({
      suite: suite.name,
      baseline: summary.name === baselineName,
      ratio: summary.opsPerSecond / baselineOps,
      ...summary,
    }));
    const notes = instance.notes ? await instance.notes(results) : [];
    return { suite, results, notes };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
