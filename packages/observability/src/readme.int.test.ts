import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The README's first example runs here against a harness Redis (configured by the environment,
// as in an application), so that it cannot rot: it must print the line its comment shows.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

let redis: StandaloneTopology;
const saved = { ...process.env };

beforeAll(async () => {
  redis = await startStandalone();
  Object.assign(process.env, redis.env());
});

afterAll(async () => {
  process.env = saved;
  await redis?.stop();
});

describe('README', () => {
  it('the first example prints the command counter its comment shows', async () => {
    const expected = /\/\/ (redgrid_commands_total\{.*)$/m.exec(example)?.[1];
    expect(expected).toBeDefined();
    // Inside the package's node_modules, so that the example resolves its imports as an app would.
    const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const directory = mkdtempSync(join(cache, 'readme-'));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
      lines.push(values.map(String).join(' '));
    });
    try {
      const file = join(directory, 'example.ts');
      writeFileSync(file, example.replaceAll("'@redgrid/observability'", JSON.stringify(entry)));
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    } finally {
      log.mockRestore();
      rmSync(directory, { recursive: true, force: true });
    }
    expect(lines).toEqual([expected]);
  });
});
