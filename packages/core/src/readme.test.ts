import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// Every ```ts block of the README runs here against the sources, so the examples cannot rot.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'redgrid-core-readme-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((code, index) => [index + 1, code] as const))(
    'example %i runs',
    async (index, code) => {
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
        lines.push(values.map(String).join(' '));
      });
      const file = join(directory, `example-${index}.ts`);
      writeFileSync(file, code.replaceAll("'@redgrid/core'", JSON.stringify(entry)));
      await import(/* @vite-ignore */ pathToFileURL(file).href);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toMatch(/s3cret/);
    },
  );
});
