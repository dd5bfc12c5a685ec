// Reading the clock costs about as much as the rest of a command's bookkeeping, and every
// command needs it twice (sent, settled). Commands are sent and settled in bursts within one
// synchronous job (a socket read resolves every reply it holds; the callers' continuations then
// send their next command from consecutive microtasks), so one reading is shared by a burst
// and dropped in the next microtask. The error is the length of one burst (microseconds).
let cachedNowMs = -1;
const forgetNow = () => {
  cachedNowMs = -1;
};

/** `performance.now()`, read once per burst of synchronous work (see above). */
export function batchedNow(): number {
  if (cachedNowMs < 0) {
    cachedNowMs = performance.now();
    queueMicrotask(forgetNow);
  }
  return cachedNowMs;
}

/** Period of the deadline sweeper for a command timeout, in ms. */
export function sweepInterval(timeoutMs: number): number {
  // A tenth of the timeout, between 5 and 100 ms: deadlines fire at most 10% (or 100 ms) late,
  // and the sweeper wakes at most 10-200 times per second.
  return Math.min(100, Math.max(5, Math.floor(timeoutMs / 10)));
}
