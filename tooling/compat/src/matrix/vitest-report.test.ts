import { describe, expect, it } from 'vitest';
import { countTests, type VitestJsonReport } from './vitest-report.js';

const report: VitestJsonReport = {
  testResults: [
    {
      name: '/copy/packages/express/src/a.int.test.ts',
      status: 'failed',
      assertionResults: [
        { fullName: 'rateLimit() on express 5 allows', status: 'passed' },
        { fullName: 'rateLimit() on express 4 allows', status: 'failed' },
        { fullName: 'rateLimit() options', status: 'skipped' },
      ],
    },
    {
      name: '/copy/packages/express/src/b.int.test.ts',
      status: 'failed',
      message: 'Cannot find module express4\nstack',
      assertionResults: [],
    },
  ],
};

describe('countTests', () => {
  it('counts every test and names failures relative to the copy', () => {
    expect(countTests(report, '/copy')).toEqual({
      passed: 1,
      failed: 2,
      skipped: 1,
      failures: [
        'packages/express/src/a.int.test.ts > rateLimit() on express 4 allows',
        'packages/express/src/b.int.test.ts: Cannot find module express4',
      ],
    });
  });

  it('keeps only the tests a row is about, and charges a file-level failure to every row', () => {
    const express4 = countTests(report, '/copy', { include: /\bexpress 4\b/ });
    expect(express4).toMatchObject({ passed: 0, failed: 2, skipped: 0 });
    const express5 = countTests(report, '/copy', { exclude: /\bexpress 4\b/ });
    expect(express5).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(express5.failures).toEqual([
      'packages/express/src/b.int.test.ts: Cannot find module express4',
    ]);
  });
});
