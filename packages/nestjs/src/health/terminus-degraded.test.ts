import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { terminusKnowsDegraded } from './terminus-degraded.js';

const installed = createRequire(import.meta.url)('@nestjs/terminus/package.json') as {
  version: string;
};

describe('terminusKnowsDegraded', () => {
  it('matches the installed terminus major (12+ has the degraded status, 11 has not)', async () => {
    const major = Number(installed.version.split('.')[0]);
    expect(await terminusKnowsDegraded()).toBe(major >= 12);
  });
});
