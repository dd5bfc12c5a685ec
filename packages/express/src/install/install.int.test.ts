import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Slow (build + pnpm pack + npm install, about a minute): proves that an application depending
// on @redgrid/express alone installs with npm and rate-limits against a real Redis. See
// scripts/install-test.mjs for the steps.
const script = fileURLToPath(new URL('../../scripts/install-test.mjs', import.meta.url));

let redis: StandaloneTopology;

beforeAll(async () => {
  redis = await startStandalone();
});

afterAll(async () => {
  await redis?.stop();
});

function runScript(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A plain Node process: none of the test runner's resolution conditions.
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('installing @redgrid/express alone with npm', () => {
  it('packs, installs and rate-limits a route in a ten-line app', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runScript(redis.env());
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report.appDependencies).toEqual(['@redgrid/express', 'express', 'ioredis']);
    expect(report.installedRedgrid).toEqual([
      'connection',
      'core',
      'express',
      'fallback',
      'rate-limit',
    ]);
    expect(report.statuses).toEqual([200, 200, 200, 429]);
    expect(report.headers['retry-after']).toBeDefined();
    expect(report.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
    expect(report.commonJs).toBe('function');
    console.log(`install test: ${Date.now() - started} ms`, JSON.stringify(report.timingsMs));
  }, 600_000);
});
