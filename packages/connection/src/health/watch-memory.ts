import type { Logger } from '../logging/logger.js';
import { MemoryWatch, type NodeMemoryReport } from './memory-watch.js';

/**
 * The memory watch of a connection: a node entering or leaving the warning zone is logged
 * (warn / info) and handed to `onWarningChange` (the `memory` event).
 */
export function watchMemory(options: {
  connection: string;
  logger: Logger;
  warnRatio: number;
  onWarningChange: (report: NodeMemoryReport) => void;
}): MemoryWatch {
  const { connection, logger } = options;
  return new MemoryWatch({
    connection,
    warnRatio: options.warnRatio,
    onWarningChange: (report) => {
      const percent = Math.round((report.ratio ?? 0) * 100);
      if (report.warning) {
        logger.warn(
          { connection, node: report.node, usedPercent: percent },
          `redis node ${report.node} uses ${percent}% of its maxmemory`,
        );
      } else {
        logger.info(
          { connection, node: report.node, usedPercent: percent },
          `redis node ${report.node} memory back under the warning ratio`,
        );
      }
      options.onWarningChange(report);
    },
  });
}
