const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort while the process exits: one failing cleanup must not skip the others.
    }
  }
  cleanups.clear();
}

/**
 * Runs `cleanup` synchronously when the process exits (normally or through `process.exit`,
 * e.g. a test worker torn down after a timeout), unless the returned function unregisters it
 * first. Only synchronous work runs in 'exit': SIGKILL, `rmSync`. A SIGKILLed process runs
 * nothing; the watchdog covers that.
 */
export function onProcessExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
