import type { HealthReport } from '@redgrid/connection';
import { formatBytes, formatCount, formatRatio } from './format.js';
import { renderTable } from './table.js';

/** The health report for people: overall status, one row per check, memory per node. */
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
  if (report.memory.length > 0) {
    text += renderTable(
      ['node', 'used', 'max', 'used/max', 'evicted', 'fragmentation', 'warning'],
      report.memory.map((node) => [
        node.node,
        formatBytes(node.usedBytes),
        node.maxBytes > 0 ? formatBytes(node.maxBytes) : 'unlimited',
        formatRatio(node.ratio),
        formatCount(node.evictedKeys),
        node.fragmentationRatio === undefined ? '-' : node.fragmentationRatio.toFixed(2),
        node.warning ? 'yes' : '',
      ]),
    );
  }
  return text;
}
