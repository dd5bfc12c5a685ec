/** One method of {@link Logger}: structured details first, then the message (pino's order). */
export type LogMethod = (details: Record<string, unknown>, message: string) => void;

/**
 * Where the connection reports state changes, failovers, errors and (with `audit: true`)
 * commands. A pino logger fits as it is, so do `console`-like objects wrapped to take
 * `(details, message)`. The connection never passes a password, key material or command
 * arguments to it.
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const ignore: LogMethod = () => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
});
