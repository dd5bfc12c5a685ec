import { evaluateScript, luaScript, type ScriptEvaluator } from '@redgrid/fallback';
import type { Cluster, Redis } from 'ioredis';
import type { CheckEngine, CheckMode, GroupOutcome, LimitCheck } from '../algorithm/limit-check.js';
import { decodeScriptReply, encodeScriptCall } from './encode-script-call.js';
import { RATE_LIMIT_LUA } from './rate-limit-lua.js';

/** The ioredis client a limiter runs its script on: the `client` of a RedGrid connection. */
export type ScriptClient = Redis | Cluster;

/** Options of {@link RedisCheckEngine}. */
export interface RedisCheckEngineOptions {
  /**
   * Decide the checks issued in the same tick in one script call per hash tag (default true).
   * Each check stays atomic; a batch is one atomic run that decides its checks one after the
   * other, exactly as separate calls would in some order.
   */
  coalesce: boolean;
  /** Most checks in one script call. */
  maxBatch: number;
  /**
   * Script calls in flight at once before further checks wait to be batched (standalone and
   * Sentinel; on a cluster batches are per hash tag and never wait). Waiting checks are split
   * over the free slots, so that the client and Redis work at the same time: Redis runs one
   * batch while the client reads the reply of another. More slots pipeline deeper, fewer make
   * larger batches (less work per check).
   */
  maxInFlight: number;
}

// Loaded like every RedGrid script (`evaluateScript` of @redgrid/fallback): EVALSHA, and EVAL
// on NOSCRIPT to the node that answered it.
const RATE_LIMIT_SCRIPT = luaScript(RATE_LIMIT_LUA);

interface Pending {
  readonly mode: CheckMode;
  readonly groups: Array<readonly LimitCheck[]>;
  readonly resolvers: Array<(outcome: GroupOutcome) => void>;
  readonly rejecters: Array<(error: unknown) => void>;
}

/**
 * Decides checks with the rate-limit script on Redis. One script call per batch: checks issued
 * in the same tick that share a hash tag (on a cluster) or a node (otherwise) go together, so
 * that 50 concurrent checks cost a few round trips and script runs instead of 50.
 */
export class RedisCheckEngine implements CheckEngine {
  readonly #client: ScriptEvaluator;
  readonly #coalesce: boolean;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #byTag: boolean;
  readonly #pending = new Map<string, Pending>();
  #pendingCount = 0;
  #inFlight = 0;
  #scheduled = false;

  constructor(client: ScriptClient, options: RedisCheckEngineOptions) {
    this.#client = client as unknown as ScriptEvaluator;
    this.#coalesce = options.coalesce;
    this.#maxBatch = options.maxBatch;
    this.#maxInFlight = options.maxInFlight;
    this.#byTag = (client as { isCluster?: boolean }).isCluster === true;
  }

  /** Decides one group (limits checked all-or-nothing) whose keys share `tag`. */
  evaluate(mode: CheckMode, group: readonly LimitCheck[], tag = ''): Promise<GroupOutcome> {
    if (!this.#coalesce) {
      return this.#send(mode, [group]).then((outcomes) => outcomes[0] ?? missing());
    }
    const batchKey = this.#byTag ? `${mode}\u0000${tag}` : mode;
    let pending = this.#pending.get(batchKey);
    if (pending === undefined) {
      pending = { mode, groups: [], resolvers: [], rejecters: [] };
      this.#pending.set(batchKey, pending);
    }
    const batch = pending;
    const promise = new Promise<GroupOutcome>((resolve, reject) => {
      batch.groups.push(group);
      batch.resolvers.push(resolve);
      batch.rejecters.push(reject);
    });
    this.#pendingCount++;
    if (batch.groups.length >= this.#maxBatch) {
      this.#pending.delete(batchKey);
      this.#pendingCount -= batch.groups.length;
      this.#dispatch(batch);
    } else if (!this.#scheduled && (this.#byTag || this.#inFlight < this.#maxInFlight)) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
    return promise;
  }

  #flush = (): void => {
    this.#scheduled = false;
    if (this.#pendingCount === 0) return;
    const batches = [...this.#pending.values()];
    this.#pending.clear();
    this.#pendingCount = 0;
    // With free call slots, split what waits over them: one batch holding every waiting check
    // would leave Redis idle while the client handles its reply, and the client idle while
    // Redis runs it. Two half batches keep both busy (one runs while the other's reply is read).
    const slots = this.#byTag ? 1 : Math.max(1, this.#maxInFlight - this.#inFlight);
    for (const batch of batches) {
      const count = batch.groups.length;
      const parts = Math.min(slots, count);
      if (parts <= 1) {
        this.#dispatch(batch);
        continue;
      }
      const size = Math.ceil(count / parts);
      for (let start = 0; start < count; start += size) {
        this.#dispatch({
          mode: batch.mode,
          groups: batch.groups.slice(start, start + size),
          resolvers: batch.resolvers.slice(start, start + size),
          rejecters: batch.rejecters.slice(start, start + size),
        });
      }
    }
  };

  #dispatch(batch: Pending): void {
    this.#inFlight++;
    this.#send(batch.mode, batch.groups).then(
      (outcomes) => {
        this.#settled();
        for (let index = 0; index < batch.resolvers.length; index++) {
          batch.resolvers[index]?.(outcomes[index] ?? missing());
        }
      },
      (error: unknown) => {
        this.#settled();
        for (const reject of batch.rejecters) reject(error);
      },
    );
  }

  // A call came back: checks that waited for a free slot go now (after the callers of this
  // batch had a chance to issue their next checks, so that those join the batch).
  #settled(): void {
    this.#inFlight--;
    if (this.#pendingCount > 0 && !this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  async #send(
    mode: CheckMode,
    groups: ReadonlyArray<readonly LimitCheck[]>,
  ): Promise<GroupOutcome[]> {
    const { keys, args, compact } = encodeScriptCall(mode, groups);
    const reply = await evaluateScript(this.#client, RATE_LIMIT_SCRIPT, keys, args);
    return decodeScriptReply(reply, groups, compact);
  }
}

function missing(): GroupOutcome {
  return {
    ok: false,
    error: new TypeError('rate-limit script reply is missing a group'),
  };
}
