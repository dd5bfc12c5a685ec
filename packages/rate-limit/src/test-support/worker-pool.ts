// Test support: spawns worker processes (real processes, each with its own connection) and
// sends them synchronized requests.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const workerPaths = {
  /** Fires one burst of concurrent checks per round (exactness-worker.ts). */
  exactness: fileURLToPath(new URL('./exactness-worker.ts', import.meta.url)),
  /** Checks keys continuously between a start and a stop (load-worker.ts). */
  load: fileURLToPath(new URL('./load-worker.ts', import.meta.url)),
};
const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Which worker script the pool runs. */
export type WorkerKind = keyof typeof workerPaths;

/** What one worker counted in one round. */
export interface RoundCounts {
  allowed: number;
  rejected: number;
  degraded: number;
  errors: number;
}

/** One round: the same burst fired by every worker at once. */
export interface RoundRequest {
  algorithm: string;
  key: string;
  limit: number;
  windowMs: number;
  checks: number;
  coalesce: boolean;
  prefix: string;
}

interface Worker {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  reader: Interface;
}

async function nextJson(worker: Worker, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`worker gave no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const next = await Promise.race([worker.lines.next(), deadline]);
      if (next.done === true) throw new Error('worker exited early');
      const line = next.value.trim();
      if (line.startsWith('{')) return JSON.parse(line);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Processes that fire synchronized bursts of checks at one Redis. */
export class WorkerPool {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /**
   * Spawns `count` worker processes and waits until all are connected. Each builds its
   * connection from `redisEnv` alone (`loadConfigFromEnv`, no options), given as its
   * environment: the REDIS_* variables of this process are not passed on.
   */
  static async start(
    count: number,
    redisEnv: Record<string, string>,
    kind: WorkerKind = 'exactness',
  ): Promise<WorkerPool> {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('REDIS_')),
    );
    const workers = Array.from({ length: count }, () => {
      const child = spawn(
        process.execPath,
        ['--conditions=@redgrid/source', '--import', 'tsx', workerPaths[kind]],
        {
          cwd: repositoryRoot,
          env: { ...inherited, ...redisEnv },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      if (!child.stdout) throw new Error('worker has no stdout');
      const reader = createInterface({ input: child.stdout });
      return { child, reader, lines: reader[Symbol.asyncIterator]() };
    });
    const pool = new WorkerPool(workers);
    try {
      await Promise.all(workers.map((worker) => nextJson(worker, 60_000)));
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  /** Sends the same round to every worker at once; resolves with each one's counts. */
  async round(request: RoundRequest, timeoutMs = 60_000): Promise<RoundCounts[]> {
    return (await this.broadcast(request, timeoutMs)) as RoundCounts[];
  }

  /** Sends `message` (one JSON line) to every worker at once; resolves with each one's answer. */
  async broadcast(message: object, timeoutMs = 60_000): Promise<unknown[]> {
    const line = `${JSON.stringify(message)}\n`;
    for (const worker of this.#workers) worker.child.stdin?.write(line);
    return Promise.all(this.#workers.map((worker) => nextJson(worker, timeoutMs)));
  }

  /** Ends every worker (stdin closed, then SIGKILL if it lingers) and waits for their exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const { child } = worker;
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              worker.reader.close();
              resolve();
            });
            child.stdin?.end();
          }),
      ),
    );
  }
}
