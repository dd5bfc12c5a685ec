import { createConnection, createHealthReport } from '@redgrid/connection';
import type { CliIo } from '../cli/cli-io.js';
import { type ExitCode, exitCodes } from '../cli/exit-codes.js';
import { numberFlag, parseFlags } from '../cli/parse-flags.js';
import { connectionFlags, loadCliConfig } from '../config/load-cli-config.js';
import { toJson } from '../output/format.js';
import { renderHealth } from '../output/render-health.js';
import type { Command } from './command.js';

const flags = {
  ...connectionFlags,
  json: { type: 'boolean', description: 'print the report as JSON (the /health/detailed body)' },
  fallback: {
    type: 'boolean',
    description:
      'report Redis down as degraded, as a service with in-memory fallbacks does (default: unhealthy)',
  },
  timeout: {
    type: 'string',
    value: 'MS',
    description: 'how long to wait for Redis to answer (default 5000)',
  },
} as const;

/** `redgrid health`: the health report of `/health/detailed`, exit 0 / 1 / 2. */
export const healthCommand: Command = {
  name: 'health',
  summary: 'health report of the configured Redis (exit 0 healthy, 1 degraded, 2 down)',
  help: `Usage: redgrid health [--json] [--fallback] [--timeout MS] [connection flags]

Connects (REDIS_* environment variables, or the flags), runs a health check and prints the same
report as the /health/detailed endpoint of @redgrid/express and @redgrid/nestjs.
Exit code: 0 healthy, 1 degraded, 2 unhealthy (down or unreachable), 64 bad configuration.`,
  flags,
  async run(args: readonly string[], io: CliIo): Promise<ExitCode> {
    const { flags: parsed } = parseFlags(args, flags, 'health');
    const timeoutMs =
      numberFlag(parsed, 'timeout', { min: 1, integer: true, example: '2000' }) ?? 5000;
    const config = loadCliConfig(io.env, parsed);
    const connection = createConnection(config, { name: 'redgrid-cli' });
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        connection.connect({ timeoutMs }).catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      await connection.checkHealth().catch(() => undefined);
      const report = await createHealthReport({
        connection,
        fallback: parsed.fallback === true,
        probeTimeoutMs: timeoutMs,
      });
      io.stdout.write(parsed.json ? toJson(report) : renderHealth(report));
      return report.overall === 'healthy'
        ? exitCodes.ok
        : report.overall === 'degraded'
          ? exitCodes.degraded
          : exitCodes.unhealthy;
    } finally {
      await connection.close({ timeoutMs: 1000 });
    }
  },
};
