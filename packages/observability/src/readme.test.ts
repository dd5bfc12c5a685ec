import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MetricDefinition, redgridMetrics } from './catalog/metric-catalog.js';

// The README's metric table and alert rules are what users copy: they must name metrics and
// labels that exist.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const byName = new Map(redgridMetrics.map((metric) => [metric.name, metric]));

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('no yaml block in the README');
  const parsed = parse(block) as { groups: Array<{ name: string; rules: AlertRule[] }> };
  return parsed.groups.flatMap((group) => group.rules);
}

/** The metric a series name in PromQL belongs to (a histogram's `_bucket`/`_sum`/`_count`). */
function metricOf(series: string): MetricDefinition | undefined {
  return byName.get(series) ?? byName.get(series.replace(/_(bucket|sum|count)$/, '')) ?? undefined;
}

describe('README', () => {
  it('lists every metric once, with its type and labels', () => {
    const rows = [...readme.matchAll(/^\| `(redgrid_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map(
      (match) => ({
        name: match[1] ?? '',
        kind: match[2] ?? '',
        labels: [...(match[3] ?? '').matchAll(/`([a-z_]+)`/g)].map((label) => label[1]),
      }),
    );
    expect(rows.map((row) => row.name)).toEqual(redgridMetrics.map((metric) => metric.name));
    for (const row of rows) {
      const metric = byName.get(row.name);
      expect(row.kind, row.name).toBe(metric?.kind);
      expect(row.labels, row.name).toEqual(metric?.labelNames);
    }
  });

  it('gives alert rules on breakers, degradation, memory, evictions and failovers', () => {
    const rules = alertRules();
    const expressions = rules.map((rule) => rule.expr).join('\n');
    for (const needed of [
      'redgrid_breaker_state',
      'redgrid_breaker_transitions_total',
      'redgrid_degraded',
      'redgrid_memory_warning',
      'redgrid_evicted_keys',
      'redgrid_failovers_total',
    ]) {
      expect(expressions).toContain(needed);
    }
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^RedGrid[A-Za-z]+$/);
      expect(rule.labels?.severity, rule.alert).toBeDefined();
      expect(rule.annotations?.summary, rule.alert).toBeDefined();
    }
  });

  it('uses only metrics and labels that exist in its alert rules', () => {
    for (const rule of alertRules()) {
      const selectors = [...rule.expr.matchAll(/\b(redgrid_[a-z_]+)(?:\{([^}]*)\})?/g)];
      expect(selectors.length, rule.alert).toBeGreaterThan(0);
      for (const [, series = '', matchers = ''] of selectors) {
        const metric = metricOf(series);
        expect(metric, `${rule.alert}: ${series}`).toBeDefined();
        for (const [, label] of matchers.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
          expect(metric?.labelNames, `${rule.alert}: ${series}{${label}}`).toContain(label);
        }
      }
      for (const [, label] of rule.expr.matchAll(/\bby \(([a-z_, ]+)\)/g)) {
        for (const name of (label ?? '').split(',').map((part) => part.trim())) {
          const used = [...rule.expr.matchAll(/\b(redgrid_[a-z_]+)/g)].map((match) =>
            metricOf(match[1] ?? ''),
          );
          expect(
            used.every((metric) => metric?.labelNames.includes(name)),
            `${rule.alert}: by (${name})`,
          ).toBe(true);
        }
      }
      for (const text of Object.values(rule.annotations ?? {})) {
        for (const [, label] of text.matchAll(/\$labels\.([a-z_]+)/g)) {
          const used = [...rule.expr.matchAll(/\b(redgrid_[a-z_]+)/g)].map((match) =>
            metricOf(match[1] ?? ''),
          );
          expect(
            used.some((metric) => metric?.labelNames.includes(label ?? '')),
            `${rule.alert}: $labels.${label}`,
          ).toBe(true);
        }
      }
    }
  });
});
