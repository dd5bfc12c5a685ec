import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Polls once a second whether the Node process is alive. When it is gone (SIGKILLed test
 * worker, crash) and the topology dir still exists, it SIGKILLs every pid listed in
 * `<dir>/.pids/` whose command line mentions redis (so a recycled pid is spared), then removes
 * the dir. It exits by itself once the dir is gone, i.e. after a normal `stop()`.
 */
const script = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null; do
  [ -d "$dir" ] || exit 0
  sleep 1
done
[ -d "$dir" ] || exit 0
for file in "$dir"/.pids/*; do
  [ -f "$file" ] || continue
  pid=$(cat "$file")
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  if [ ! -r "/proc/$pid/cmdline" ] || grep -q redis "/proc/$pid/cmdline" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null
  fi
done
rm -rf "$dir"
`;

/** A started watchdog; `stop()` kills its process group synchronously. */
export interface Watchdog {
  readonly pid: number | undefined;
  stop(): void;
}

/**
 * Starts the watchdog of one topology dir as a detached `sh` (its own process group, so a
 * signal to the test runner's group does not take it down with the runner). It holds no
 * handle on the Node event loop.
 */
export function startWatchdog(dir: string): Watchdog {
  let child: ChildProcess | undefined = spawn(
    '/bin/sh',
    ['-c', script, 'redis-harness-watchdog', String(process.pid), dir],
    { detached: true, stdio: 'ignore' },
  );
  child.on('error', () => {
    // No /bin/sh: the 'exit' handler still covers every exit but SIGKILL.
  });
  child.unref();
  return {
    get pid() {
      return child?.pid;
    },
    stop() {
      const pid = child?.pid;
      if (child === undefined || pid === undefined || child.exitCode !== null) return;
      child = undefined;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
