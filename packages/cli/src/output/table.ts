import Table from 'cli-table3';

/**
 * A table for people (cli-table3): a header row, then rows; numbers right-aligned. No colors,
 * so the output is the same in a terminal, a pipe and a log.
 */
export function renderTable(
  head: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  options: { align?: ReadonlyArray<'left' | 'right'> } = {},
): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, index) => options.align?.[index] ?? (index === 0 ? 'left' : 'right')),
  });
  for (const row of rows) table.push(row.map(String));
  return `${table.toString()}\n`;
}
