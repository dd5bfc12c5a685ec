import type { HealthReport } from '@redgrid/connection';
import { formatBytes, formatCount, formatRatio } from './format.js';
import { renderTable } from './table.js';

/** Memory figures of one node, as a health report may carry them. */
export interface NodeMemoryFigures {
  readonly node: string;
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly ratio: number | undefined;
  readonly evictedKeys: number | undefined;
  readonly fragmentationRatio: number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function figures(node: string, value: unknown): NodeMemoryFigures | undefined {
  if (!isRecord(value) || typeof value.usedBytes !== 'number') return undefined;
  const number = (field: string) =>
    typeof value[field] === 'number' ? (value[field] as number) : undefined;
  const maxBytes = number('maxBytes') ?? 0;
  return {
    node: typeof value.node === 'string' ? value.node : node,
    usedBytes: value.usedBytes,
    maxBytes,
    ratio: number('ratio') ?? (maxBytes > 0 ? value.usedBytes / maxBytes : undefined),
    evictedKeys: number('evictedKeys'),
    fragmentationRatio: number('fragmentationRatio'),
  };
}

/**
 * Per-node memory figures in a health report, wherever the report puts them: a `memory` list
 * (or a node-keyed object) on the report or on a check, or `nodes[].memory`. Reports without
 * memory give an empty list, so `redgrid health` renders memory as soon as the connection's
 * report carries it.
 */
export function findNodeMemory(report: HealthReport): NodeMemoryFigures[] {
  const found: NodeMemoryFigures[] = [];
  const visit = (holder: unknown) => {
    if (!isRecord(holder)) return;
    const memory = holder.memory;
    if (Array.isArray(memory)) {
      memory.forEach((entry, index) => {
        const parsed = figures(`node ${index + 1}`, entry);
        if (parsed) found.push(parsed);
      });
    } else if (isRecord(memory)) {
      const single = figures('redis', memory);
      if (single) found.push(single);
      else
        for (const [node, entry] of Object.entries(memory)) {
          const parsed = figures(node, entry);
          if (parsed) found.push(parsed);
        }
    }
    if (Array.isArray(holder.nodes)) {
      for (const node of holder.nodes) {
        if (!isRecord(node)) continue;
        const name =
          typeof node.address === 'string'
            ? node.address
            : typeof node.id === 'string'
              ? node.id
              : 'node';
        const parsed = figures(name, node.memory);
        if (parsed) found.push(parsed);
      }
    }
  };
  visit(report);
  for (const check of report.checks) visit(check);
  return found;
}

/** The health report for people: overall status, one row per check, memory per node if any. */
export function renderHealth(report: HealthReport): string {
  let text = `overall: ${report.overall} (${report.timestamp})\n`;
  text += renderTable(
    ['check', 'status', 'message'],
    report.checks.map((check) => [check.name, check.status, check.message]),
    { align: ['left', 'left', 'left'] },
  );
  for (const check of report.checks) {
    const details = Object.entries(check.details)
      .filter(([, value]) => value !== null)
      .map(([name, value]) => `${name}=${String(value)}`);
    if (details.length > 0) text += `${check.name}: ${details.join(' ')}\n`;
  }
  const memory = findNodeMemory(report);
  if (memory.length > 0) {
    text += renderTable(
      ['node', 'used', 'max', 'used/max', 'evicted', 'fragmentation'],
      memory.map((node) => [
        node.node,
        formatBytes(node.usedBytes),
        node.maxBytes > 0 ? formatBytes(node.maxBytes) : 'unlimited',
        formatRatio(node.ratio),
        formatCount(node.evictedKeys),
        node.fragmentationRatio === undefined ? '-' : node.fragmentationRatio.toFixed(2),
      ]),
    );
  }
  return text;
}
