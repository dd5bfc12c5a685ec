import { runCli } from './cli/run-cli.js';

// Entry point of `pnpm redis:up` (package script `up`).
process.exitCode = await runCli(process.argv.slice(2));
