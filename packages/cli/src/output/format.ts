/** `1.5 MB` style sizes (base 1024, as Redis' INFO *_human fields). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `12 ms`, `3.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `12.3%` of a ratio 0..1. */
export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

/** `12.3%` of a percentage. */
export function formatPercent(percent: number | undefined): string {
  return percent === undefined || !Number.isFinite(percent) ? '-' : `${percent.toFixed(1)}%`;
}

/** Thousands separators: `20 000`. */
export function formatCount(count: number | undefined): string {
  if (count === undefined || !Number.isFinite(count)) return '-';
  return Math.round(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** JSON for scripts: Maps become objects, typed arrays become arrays, 2-space indent. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (item instanceof Map) return Object.fromEntries(item);
      if (ArrayBuffer.isView(item)) return Array.from(item as unknown as ArrayLike<number>);
      return item;
    },
    2,
  )}\n`;
}
