/** One sample line of the Prometheus text format. */
export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): ExposedSample[] {
  const samples: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    const raw = match[3] ?? '';
    samples.push({
      name: match[1] ?? '',
      labels,
      value: raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw),
    });
  }
  return samples;
}

/** Names of the metrics declared (`# TYPE`) in an exposition. */
export function declaredMetrics(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '');
}

/**
 * The value of the sample `name` with exactly `labels`, or undefined when there is none. Throws
 * when several match (a test asking an ambiguous question).
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).sort();
  const found = parseExposition(text).filter(
    (sample) =>
      sample.name === name &&
      JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(wanted),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match`);
  return found[0]?.value;
}
