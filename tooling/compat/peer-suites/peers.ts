// What run-peer-suites.ts needs to know of each peer: how to install its copy, which suites
// to run, how RedGrid's store is swapped in, and the tests known to fail with it (and why).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One jest run of a peer. */
export interface PeerSuite {
  readonly name: string;
  /** jest arguments (the runner adds --json, --outputFile and --forceExit). */
  readonly jestArgs: readonly string[];
}

/** A test that fails with RedGrid's store and passes in memory, for a reason we accept. */
export interface KnownCase {
  /** Matches the test's full name (describe blocks and title). */
  readonly test: RegExp;
  readonly why: string;
}

/** A peer library whose own tests run with RedGrid's store swapped in. */
export interface Peer {
  readonly id: 'throttler' | 'express-rate-limit';
  readonly packageName: string;
  /** Flag and environment variable naming the peer's source (a work tree or a git dir). */
  readonly flag: string;
  readonly envVariable: string;
  /** The adapter bundled into the peer's copy, relative to this folder. */
  readonly adapter: string;
  /** What the bundle may not contain: resolved from the peer's own node_modules. */
  readonly external: readonly string[];
  readonly suites: readonly PeerSuite[];
  /**
   * Extra jest configuration of every run (baseline and RedGrid's): none, or the same
   * fake-timer setting for both so that the comparison isolates the store.
   */
  readonly prepareJest?: (dir: string) => Promise<readonly string[]>;
  /** Makes the copy installable from the registry this machine reaches. */
  readonly prepareInstall?: (dir: string) => Promise<void>;
  /** Replaces the peer's in-memory store by the bundled adapter (already in `redgrid-adapter/`). */
  readonly swap: (dir: string) => Promise<void>;
  readonly knownCases: readonly KnownCase[];
}

const throttler: Peer = {
  id: 'throttler',
  packageName: '@nestjs/throttler',
  flag: '--throttler',
  envVariable: 'REDGRID_PEER_THROTTLER',
  adapter: 'adapters/throttler-storage-service.ts',
  external: ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'],
  suites: [
    { name: 'unit', jestArgs: [] },
    { name: 'e2e', jestArgs: ['--config', './test/jest-e2e.json'] },
  ],
  async swap(dir) {
    // Every ThrottlerModule without a `storage` option, and the unit tests of the storage,
    // construct ThrottlerStorageService: it becomes RedGrid's storage.
    await writeFile(
      path.join(dir, 'redgrid-adapter/throttler-storage-service.d.ts'),
      `import type { ThrottlerStorageRecord } from '../src/throttler-storage-record.interface';
export declare class ThrottlerStorageService {
  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord>;
  onApplicationShutdown(): Promise<void>;
}
`,
    );
    await writeFile(
      path.join(dir, 'src/throttler.service.ts'),
      "export { ThrottlerStorageService } from '../redgrid-adapter/throttler-storage-service';\n",
    );
  },
  // None: every test of throttler's suite passes with RedGrid's storage except the ones that
  // fail in its own baseline here.
  knownCases: [],
};

// Packages of express-rate-limit's repository that its library tests do not use (docs site,
// linters, bundler, git hooks); some of their pinned versions are not on every registry mirror.
const erlToolsOnly = [
  'mintlify',
  '@asyncapi/specs',
  '@biomejs/biome',
  'prettier',
  '@express-rate-limit/prettier',
  'husky',
  'lint-staged',
  'del-cli',
  'dts-bundle-generator',
  'npm-run-all',
  'esbuild',
];

// jest's modern fake timers fake every timer API by default, process.nextTick and
// setImmediate included, which freezes any socket (ioredis's too). Both runs (baseline and
// RedGrid's) leave those two and queueMicrotask real: Date, setTimeout and setInterval stay
// fake, as the tests expect.
// Type errors are not reported either (ts-jest `diagnostics: false`), so that the tests of
// MemoryStore's internals that do not compile against another store fail one by one instead of
// taking their whole file with them.
const erlJestConfig = {
  fakeTimers: { doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] },
  transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true, diagnostics: false }] },
};

const expressRateLimit: Peer = {
  id: 'express-rate-limit',
  packageName: 'express-rate-limit',
  flag: '--express-rate-limit',
  envVariable: 'REDGRID_PEER_EXPRESS_RATE_LIMIT',
  adapter: 'adapters/express-rate-limit-memory-store.ts',
  external: [],
  suites: [{ name: 'library', jestArgs: ['--coverage=false'] }],
  async prepareInstall(dir) {
    const file = path.join(dir, 'package.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as {
      devDependencies?: Record<string, string>;
      scripts?: Record<string, string>;
    };
    for (const name of erlToolsOnly) delete manifest.devDependencies?.[name];
    // Its shared tsconfig: any 1.x (the newest patch may not be on the mirror).
    if (manifest.devDependencies?.['@express-rate-limit/tsconfig'] !== undefined) {
      manifest.devDependencies['@express-rate-limit/tsconfig'] = '^1.0.0';
    }
    delete manifest.scripts?.prepare;
    await writeFile(file, JSON.stringify(manifest, null, 2));
  },
  async prepareJest(dir) {
    const original = JSON.parse(await readFile(path.join(dir, 'jest.config.json'), 'utf8'));
    await writeFile(
      path.join(dir, 'jest.redgrid.config.json'),
      JSON.stringify({ ...original, ...erlJestConfig }, null, 2),
    );
    return ['--config', 'jest.redgrid.config.json'];
  },
  async swap(dir) {
    // The package is ESM ("type": "module"); jest runs its tests as CommonJS, so the bundle
    // sits in a folder of its own marked CommonJS.
    await writeFile(path.join(dir, 'redgrid-adapter/package.json'), '{ "type": "commonjs" }\n');
    await writeFile(
      path.join(dir, 'redgrid-adapter/express-rate-limit-memory-store.d.ts'),
      `import type { ClientRateLimitInfo, Options, Store } from '../source/types.js';
export declare class MemoryStore implements Store {
  constructor(validations?: unknown);
  readonly prefix: string;
  readonly localKeys: boolean;
  init(options: Options): void;
  get(key: string): Promise<ClientRateLimitInfo | undefined>;
  increment(key: string): Promise<ClientRateLimitInfo>;
  decrement(key: string): Promise<void>;
  resetKey(key: string): Promise<void>;
  resetAll(): Promise<void>;
  shutdown(): void;
}
`,
    );
    await writeFile(
      path.join(dir, 'source/memory-store.ts'),
      "export { MemoryStore } from '../redgrid-adapter/express-rate-limit-memory-store.js';\n",
    );
  },
  knownCases: [
    {
      test: /^middleware test should \(eventually\) accept new connections from a blocked IP$/,
      why: 'fake-timer case: ends a 50 ms window with jest.advanceTimersByTime(60); Redis ends windows on its own clock, which a fake clock does not move',
    },
    {
      test: /^middleware test should work repeatedly$/,
      why: 'fake-timer case: ends 50 ms windows with jest.advanceTimersByTime(60) twice; Redis ends windows on its own clock, which a fake clock does not move',
    },
    {
      test: /^memory store test (clears the timer when `shutdown` is called|should automatically clear previously set intervals)$/,
      why: "MemoryStore's own unit test: inspects its cleanup interval (store.interval); RedGrid's store has no timer (Redis expires the keys)",
    },
    {
      test: /^memory store test should move clients from previous to current$/,
      why: "MemoryStore's own unit test: inspects its two maps (current, previous) and rotates them with fake timers; RedGrid's store has neither",
    },
    {
      test: /^memory store test (resets the count for all the keys in the store when the timeout is reached|does not allow a Client object to be assigned to two keys)$/,
      why: "fake-timer case (MemoryStore's own unit test): ends the window with jest.advanceTimersByTime and expects the count to start again; Redis ends windows on its own clock",
    },
  ],
};

/** Every peer, in the order they run. */
export const peers: readonly Peer[] = [throttler, expressRateLimit];
