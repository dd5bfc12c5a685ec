import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { CaseResult } from '../define-suite.js';
import { defineSuite } from '../define-suite.js';

// HTTP throughput of one Express route (GET /hello -> small JSON) with no limiter, behind
// @redgrid/express `rateLimit()`, behind express-rate-limit + rate-limit-redis (what an
// Express user would otherwise pick), and behind express-rate-limit with RedGrid's
// ExpressRateLimitStore. Same run, same Redis, every request allowed (limit 1e9), so what is
// measured is the cost of deciding.
//
// How it is measured, honestly: the four servers run in a child process (their own event
// loop); the load generator is autocannon, in the runner's process. The bench runner times
// functions, so one operation is one autocannon batch of `amount` requests over 50 keep-alive
// connections, one batch at a time (concurrency 1): ops/s x amount is requests/s, and the
// ratio column compares the cases directly. autocannon's sampling interval is set to 10 ms
// (default 1 s, which would round every batch up to a whole second). Each batch opens its 50
// connections anew, a small fixed cost shared by every case. The p50/p99 columns are per batch;
// per-request latency percentiles (autocannon's, median over batches) are in the notes. Any
// non-2xx answer or connection error fails the suite, so a limiter cannot look fast by
// rejecting.
const serversFile = fileURLToPath(new URL('./express-servers.ts', import.meta.url));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function startServers(
  redis: { host: string; port: number },
  smoke: boolean,
): Promise<{ child: ChildProcess; ports: Record<string, number> }> {
  // The smoke run (inside `pnpm test`) loads the packages' TypeScript sources; `pnpm bench`
  // loads their built dist, like an application would.
  const conditions = smoke ? ['--conditions=@redgrid/source'] : [];
  const child = spawn(
    process.execPath,
    [...conditions, '--import', 'tsx', serversFile, redis.host, String(redis.port)],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('express servers did not start within 30 s')),
      30_000,
    );
    child.once('exit', (code) => reject(new Error(`express servers exited early (code ${code})`)));
    if (child.stdout === null) throw new Error('no stdout');
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { ports: Record<string, number> }).ports);
    });
  });
  return { child, ports };
}

export const suite = defineSuite({
  name: 'express-http',
  description:
    'req/s of an Express 5 route: no limiter vs @redgrid/express rateLimit() vs express-rate-limit + rate-limit-redis (autocannon batches of 2000 requests, 50 connections)',
  kind: 'load',
  concurrency: 1,
  durationMs: 5_000,
  async setup(context) {
    const redis = await context.redis();
    const { child, ports } = await startServers(redis, context.smoke);
    context.onTeardown(
      () =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.stdin?.end();
          setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
        }),
    );

    const amount = context.smoke ? 40 : 2_000;
    const connections = context.smoke ? 4 : 50;
    const latencies = new Map<string, { p50: number[]; p99: number[] }>();
    const batch = (name: string, port: number | undefined) => async () => {
      if (port === undefined) throw new Error(`no server for ${name}`);
      const result = await autocannon({
        url: `http://127.0.0.1:${port}/hello`,
        connections,
        amount,
        sampleInt: 10,
      });
      if (result.non2xx > 0 || result.errors > 0 || result['2xx'] !== amount) {
        throw new Error(
          `${name}: ${result['2xx']} of ${amount} answers were 2xx (${result.non2xx} non-2xx, ${result.errors} errors)`,
        );
      }
      const entry = latencies.get(name) ?? { p50: [], p99: [] };
      entry.p50.push(result.latency.p50);
      entry.p99.push(result.latency.p99);
      latencies.set(name, entry);
    };

    const names = [
      'no limiter',
      'redgrid rateLimit()',
      'express-rate-limit + rate-limit-redis',
      'express-rate-limit + ExpressRateLimitStore',
    ] as const;
    const portOf: Record<(typeof names)[number], number | undefined> = {
      'no limiter': ports.none,
      'redgrid rateLimit()': ports.redgrid,
      'express-rate-limit + rate-limit-redis': ports['express-rate-limit+rate-limit-redis'],
      'express-rate-limit + ExpressRateLimitStore':
        ports['express-rate-limit+ExpressRateLimitStore'],
    };

    return {
      cases: names.map((name) => ({
        name,
        baseline: name === 'no limiter',
        fn: batch(name, portOf[name]),
      })),
      notes: (results: readonly CaseResult[]) => [
        ...results.map((result) => {
          const entry = latencies.get(result.name);
          return `${result.name}: ${Math.round(result.opsPerSecond * amount).toLocaleString('en-US')} req/s, ${result.ratio.toFixed(2)}x of no limiter, per-request latency p50 ${median(entry?.p50 ?? [])} ms / p99 ${median(entry?.p99 ?? [])} ms`;
        }),
        `one operation = one autocannon batch of ${amount} requests over ${connections} connections; servers in a child process; every answer checked to be 2xx; target for redgrid rateLimit(): >= 0.85x of no limiter`,
      ],
    };
  },
});
