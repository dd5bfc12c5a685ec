import { describe, expect, it } from 'vitest';
import { LabelLimits } from '../labels/label-limits.js';
import { SeriesTable } from './series-table.js';

function table(maxValues: number) {
  const overflows: string[] = [];
  const limits = new LabelLimits({ maxValues, onOverflow: (label) => overflows.push(label) });
  const names = ['connection', 'command', 'reason'];
  const series = new SeriesTable(
    names,
    names.map((name) => limits.admitter(name)),
    (labels) => ({ labels, value: 0 }),
  );
  return { series, overflows };
}

describe('SeriesTable', () => {
  it('finds the same series for the same values, and builds its labels once', () => {
    const { series } = table(10);
    const first = series.cell(['redis', 'GET', undefined]);
    first.value++;
    expect(series.cell(['redis', 'GET', undefined])).toBe(first);
    expect(series.cell(['redis', 'SET', undefined])).not.toBe(first);
    expect(first.labels).toEqual({ connection: 'redis', command: 'GET' });
    expect(Object.isFrozen(first.labels)).toBe(true);
    expect(series.cells().map((cell) => cell.labels.command)).toEqual(['GET', 'SET']);
  });

  it('folds values past the limit into "other", counting each sample', () => {
    const { series, overflows } = table(2);
    series.cell(['redis', 'GET', undefined]);
    series.cell(['redis', 'SET', undefined]);
    const other = series.cell(['redis', 'DEL', undefined]);
    expect(other.labels.command).toBe('other');
    expect(series.cell(['redis', 'HGET', undefined])).toBe(other);
    expect(series.cell(['redis', 'GET', undefined]).labels.command).toBe('GET');
    expect(overflows).toEqual(['command', 'command']);
  });

  it('turns non-string values into strings', () => {
    const { series } = table(10);
    const cell = series.cell(['redis', 42 as unknown as string, 'true']);
    expect(cell.labels).toEqual({ connection: 'redis', command: '42', reason: 'true' });
    expect(series.cell(['redis', '42', 'true'])).toBe(cell);
  });
});
