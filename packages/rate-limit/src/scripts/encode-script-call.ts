import type {
  CheckMode,
  GroupOutcome,
  LimitCheck,
  LimitOutcome,
  LimitProfile,
} from '../algorithm/limit-check.js';
import { ALGORITHM_CODES } from '../algorithm/rate-limit-algorithm.js';
import { RateLimitScriptError } from '../errors/rate-limit-script-error.js';

const MODE_CODES: Readonly<Record<CheckMode, number>> = {
  consume: 0,
  'dry-run': 1,
  refund: 2,
};
// A one-limit group is sent as `cost * 1024 + profile`: one argument instead of three.
const PROFILE_SLOTS = 1024;

/** KEYS and ARGV of one script call, in the layout documented in `rate-limit-lua.ts`. */
export interface ScriptCall {
  keys: string[];
  args: Array<string | number>;
  /** Per group: true when sent in the one-argument form (its reply has no status). */
  compact: boolean[];
}

/** Builds the KEYS and ARGV of one script call deciding `groups` (all in one slot). */
export function encodeScriptCall(
  mode: CheckMode,
  groups: ReadonlyArray<readonly LimitCheck[]>,
): ScriptCall {
  const keys: string[] = [];
  const args: Array<string | number> = [MODE_CODES[mode], 0];
  const groupArgs: Array<string | number> = [];
  const compact: boolean[] = [];
  const profileIndex = new Map<LimitProfile, number>();
  const indexOf = (profile: LimitProfile): number => {
    let index = profileIndex.get(profile);
    if (index === undefined) {
      index = profileIndex.size + 1;
      profileIndex.set(profile, index);
      args.push(
        ALGORITHM_CODES[profile.algorithm],
        profile.limit,
        profile.windowMs,
        profile.burst,
        profile.blockMs,
      );
    }
    return index;
  };
  for (const group of groups) {
    const first = group[0];
    if (group.length === 1 && first !== undefined) {
      const index = indexOf(first.profile);
      if (index < PROFILE_SLOTS) {
        groupArgs.push(first.cost * PROFILE_SLOTS + index);
        compact.push(true);
        keys.push(first.stateKey);
        if (first.profile.blockMs > 0) keys.push(first.blockKey);
        continue;
      }
    }
    groupArgs.push(-group.length);
    compact.push(false);
    for (const check of group) {
      groupArgs.push(indexOf(check.profile), check.cost);
      keys.push(check.stateKey);
      if (check.profile.blockMs > 0) keys.push(check.blockKey);
    }
  }
  args[1] = profileIndex.size;
  for (const arg of groupArgs) args.push(arg);
  return { keys, args, compact };
}

function integerAt(reply: readonly unknown[], index: number): number {
  const value = reply[index];
  if (typeof value === 'number') return value;
  throw new RateLimitScriptError(`unexpected reply element ${index}: ${String(value)}`);
}

/** Reads the script's reply back into one outcome per group, in order. */
export function decodeScriptReply(
  reply: unknown,
  groups: ReadonlyArray<readonly LimitCheck[]>,
  compact: readonly boolean[],
): GroupOutcome[] {
  if (!Array.isArray(reply)) {
    throw new RateLimitScriptError(`expected an array reply, got ${typeof reply}`);
  }
  const outcomes: GroupOutcome[] = [];
  let cursor = 0;
  for (const [index, group] of groups.entries()) {
    const head = reply[cursor];
    if (typeof head === 'string') {
      outcomes.push({ ok: false, error: new RateLimitScriptError(head) });
      cursor += 1;
      continue;
    }
    // A group sent in the one-argument form has no status: its limit's decision is the group's.
    let status: number | undefined;
    if (compact[index] !== true) {
      status = integerAt(reply, cursor);
      cursor += 1;
    }
    const limits: LimitOutcome[] = [];
    for (let limit = 0; limit < group.length; limit++) {
      const value = integerAt(reply, cursor);
      if (value >= 0) {
        limits.push({
          allowed: true,
          remaining: value,
          resetMs: integerAt(reply, cursor + 1),
          retryAfterMs: 0,
        });
        cursor += 2;
      } else {
        limits.push({
          allowed: false,
          remaining: -1 - value,
          resetMs: integerAt(reply, cursor + 1),
          retryAfterMs: integerAt(reply, cursor + 2),
        });
        cursor += 3;
      }
    }
    const allowed = status === undefined ? (limits[0]?.allowed ?? false) : status === 1;
    outcomes.push({ ok: true, allowed, limits });
  }
  return outcomes;
}
