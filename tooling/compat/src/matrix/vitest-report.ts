/** The part of Vitest's JSON reporter output that the compat table reads. */
export interface VitestJsonReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string }[];
  }[];
}

/** Test counts for one row of the compatibility table. */
export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Failed tests (`file > full name`), and files that failed outside any test. */
  failures: string[];
}

/**
 * Counts a Vitest JSON report's tests, keeping those whose full name passes `filter`. A file
 * that failed outside its tests (an import error, a failing `beforeAll`) counts as one failure
 * in every row, since it cannot be attributed to one.
 */
export function countTests(
  report: VitestJsonReport,
  root: string,
  filter: { include?: RegExp; exclude?: RegExp } = {},
): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const file of report.testResults) {
    const relative = file.name.startsWith(`${root}/`)
      ? file.name.slice(root.length + 1)
      : file.name;
    let fileFailures = 0;
    for (const test of file.assertionResults) {
      if (filter.include !== undefined && !filter.include.test(test.fullName)) continue;
      if (filter.exclude?.test(test.fullName)) continue;
      if (test.status === 'passed') counts.passed++;
      else if (test.status === 'failed') {
        counts.failed++;
        fileFailures++;
        counts.failures.push(`${relative} > ${test.fullName}`);
      } else counts.skipped++;
    }
    const fileFailed = file.status === 'failed';
    const anyTestFailed = file.assertionResults.some((test) => test.status === 'failed');
    if (fileFailed && !anyTestFailed && fileFailures === 0) {
      counts.failed++;
      counts.failures.push(`${relative}: ${(file.message ?? 'failed').split('\n')[0]}`);
    }
  }
  return counts;
}
