// Entry point of the `redgrid` bin (see bin/redgrid.mjs): runs the CLI on the process's
// arguments and streams. The first Ctrl-C (or SIGTERM) asks the running operation to stop at a
// resumable point; a second Ctrl-C exits at once (still resumable: every operation can be run
// again and finishes what was in flight).
import { runCli } from './cli/run-cli.js';

const controller = new AbortController();
let interrupts = 0;
const interrupt = () => {
  interrupts++;
  if (interrupts > 1) {
    process.stderr.write('redgrid: stopped at once; run the same command again to resume.\n');
    process.exit(130);
  }
  process.stderr.write(
    '\nredgrid: stopping after the work in flight (Ctrl-C again to quit now)...\n',
  );
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

// No top-level await: this file is also compiled to CommonJS.
void runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then((code) => {
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  process.exitCode = code;
});
