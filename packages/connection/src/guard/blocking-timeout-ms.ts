// Blocking commands and where their server-side timeout is. The deadline of such a command is
// its own timeout plus the command timeout; a timeout of 0 blocks forever and gets no deadline.
// One map lookup per command on the hot path.
type TimeoutPosition = 'last-seconds' | 'first-seconds' | 'last-milliseconds' | 'block-option';
const blockingCommands = new Map<string, TimeoutPosition>([
  ['blpop', 'last-seconds'],
  ['brpop', 'last-seconds'],
  ['brpoplpush', 'last-seconds'],
  ['blmove', 'last-seconds'],
  ['bzpopmin', 'last-seconds'],
  ['bzpopmax', 'last-seconds'],
  ['blmpop', 'first-seconds'],
  ['bzmpop', 'first-seconds'],
  ['wait', 'last-milliseconds'],
  ['waitaof', 'last-milliseconds'],
  ['xread', 'block-option'],
  ['xreadgroup', 'block-option'],
]);

function toNumber(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string'
        ? Number(value)
        : Buffer.isBuffer(value)
          ? Number(value.toString())
          : Number.NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

/**
 * How long the server may legitimately hold a command before replying, in ms: `undefined` for
 * a non-blocking command, `Infinity` for one that blocks forever (`BLPOP key 0`, `XREAD BLOCK
 * 0`), otherwise the command's own timeout. `name` is lower case, as ioredis has it.
 */
export function blockingTimeoutMs(name: string, args: readonly unknown[]): number | undefined {
  // Every blocking command starts with b, w or x: skip the lookup for the others (GET, SET...).
  const first = name.charCodeAt(0);
  if (first !== 98 && first !== 119 && first !== 120) return undefined;
  const position = blockingCommands.get(name);
  if (position === undefined) return undefined;
  let timeoutMs: number | undefined;
  if (position === 'last-seconds' || position === 'first-seconds') {
    const seconds = toNumber(position === 'first-seconds' ? args[0] : args[args.length - 1]);
    timeoutMs = seconds === undefined ? undefined : seconds * 1000;
  } else if (position === 'last-milliseconds') {
    timeoutMs = toNumber(args[args.length - 1]);
  } else {
    const index = args.findIndex(
      (arg) =>
        (typeof arg === 'string' || Buffer.isBuffer(arg)) && String(arg).toUpperCase() === 'BLOCK',
    );
    if (index === -1) return undefined;
    timeoutMs = toNumber(args[index + 1]);
  }
  if (timeoutMs === undefined || timeoutMs === 0) return Number.POSITIVE_INFINITY;
  return timeoutMs;
}
