import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-usage-error.js';

/** How a flag is read. */
export type FlagSpec =
  | { readonly type: 'boolean'; readonly description: string }
  | {
      readonly type: 'string';
      readonly description: string;
      readonly multiple?: boolean;
      /** Placeholder in help, e.g. `PCT`. */
      readonly value: string;
    };

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Parsed flags: booleans, strings, string lists. */
export type Flags = Readonly<Record<string, boolean | string | string[] | undefined>>;

/**
 * Parses `args` strictly with `node:util` parseArgs: an unknown flag, a missing value or a
 * stray argument is a `CliUsageError` naming it and pointing at `--help`.
 */
export function parseFlags(
  args: readonly string[],
  specs: FlagSpecs,
  command: string,
): { flags: Flags; positionals: string[] } {
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] =
      spec.type === 'string' && spec.multiple
        ? { type: 'string', multiple: true }
        : { type: spec.type };
  }
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { flags: parsed.values as Flags, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? command;
    throw new CliUsageError(
      flag,
      `${message.replace(/\. To specify a positional.*$/s, '')}; see redgrid ${command} --help`,
    );
  }
}

/** A string flag's value, if given. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string flag's values. */
export function listFlag(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A number flag, checked against bounds; `CliUsageError` naming the flag otherwise. */
export function numberFlag(
  flags: Flags,
  name: string,
  bounds: { min: number; max?: number; integer?: boolean; example: string },
): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    value < bounds.min ||
    value > max ||
    (bounds.integer && !Number.isInteger(value))
  ) {
    throw new CliUsageError(
      `--${name}`,
      `must be ${bounds.integer ? 'an integer' : 'a number'} from ${bounds.min}${Number.isFinite(max) ? ` to ${max}` : ' up'}; got ${JSON.stringify(text)} (e.g. --${name} ${bounds.example})`,
    );
  }
  return value;
}

/** Help text of a command's flags. */
export function describeFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const head = spec.type === 'string' ? `--${name} ${spec.value}` : `--${name}`;
    return [head, spec.description] as const;
  });
  const width = Math.max(...rows.map(([head]) => head.length));
  return rows.map(([head, description]) => `  ${head.padEnd(width)}  ${description}`).join('\n');
}
