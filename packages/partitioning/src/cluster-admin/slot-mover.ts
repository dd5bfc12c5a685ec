import type { Redis } from 'ioredis';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import type { AdminSession } from './admin-session.js';
import { describeError } from './admin-session.js';

/** A node as the mover addresses it: its id and announced address. */
export interface MoverNode {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** Tuning of key transfers. */
export interface MoverOptions {
  /** Keys asked per slot per `CLUSTER GETKEYSINSLOT`. */
  readonly keysPerFetch: number;
  /** Keys per `MIGRATE ... KEYS` command. */
  readonly keysPerMigrate: number;
  /** MIGRATE's own timeout (server to server), in ms. */
  readonly migrateTimeoutMs: number;
}

type Argument = string | number | Buffer;
type Reply = [Error | null, unknown];

const replicaRefusal = 'Please use SETSLOT only with masters';

/**
 * Runs commands on one node in one MULTI/EXEC (one round trip, nothing interleaved); per-command
 * errors come back in the replies.
 */
export async function transaction(
  client: Redis,
  commands: readonly Argument[][],
): Promise<Reply[]> {
  if (commands.length === 0) return [];
  const multi = client.multi();
  for (const [name, ...args] of commands) multi.callBuffer(String(name), ...args);
  const results = (await multi.exec()) ?? [];
  return results as Reply[];
}

/** Sends commands to one node in one pipeline (one round trip); never throws per command. */
export async function pipelined(client: Redis, commands: readonly Argument[][]): Promise<Reply[]> {
  if (commands.length === 0) return [];
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.callBuffer(String(name), ...args);
  const results = (await pipeline.exec()) ?? [];
  return results as Reply[];
}

function failed(message: string, cause?: unknown): ClusterAdminError {
  return new ClusterAdminError({ reason: 'failed', message }, { cause });
}

/**
 * Moves slots and their keys between masters with the protocol of `redis-cli --cluster`, but a
 * batch of slots per round trip instead of one slot per handful of round trips:
 *
 * 1. target: `CLUSTER SETSLOT <slot> IMPORTING <source>` (it accepts ASKING commands);
 * 2. source: `CLUSTER SETSLOT <slot> MIGRATING <target>` (it answers ASK for keys it no longer
 *    has, so a key is always served by exactly one node);
 * 3. `GETKEYSINSLOT` + `MIGRATE ... KEYS` until the source holds no key of those slots;
 * 4. `SETSLOT <slot> NODE <target>` on the target first (it takes the slot and bumps its config
 *    epoch), then on the source, then on every other master (so none redirects to the source
 *    while gossip catches up). Target first avoids redirect loops if a node dies in between.
 *
 * The application keeps reading and writing through it all: the cluster redirects with ASK and
 * MOVED, which cluster clients (ioredis) follow.
 */
export class SlotMover {
  readonly #session: AdminSession;
  readonly #options: MoverOptions;

  constructor(session: AdminSession, options: MoverOptions) {
    this.#session = session;
    this.#options = options;
  }

  /**
   * Steps 1 and 2 for `slots`. A slot the source does not own (any more) or the target refuses
   * is left closed (importing undone) and returned in `skipped` with the reason.
   */
  async open(
    source: MoverNode,
    target: MoverNode,
    slots: readonly number[],
  ): Promise<{ opened: number[]; skipped: Array<{ slot: number; reason: string }> }> {
    const skipped: Array<{ slot: number; reason: string }> = [];
    const targetClient = this.#session.client(target);
    const sourceClient = this.#session.client(source);
    const importing = await pipelined(
      targetClient,
      slots.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id]),
    );
    const accepted: number[] = [];
    slots.forEach((slot, index) => {
      const error = importing[index]?.[0];
      if (error) skipped.push({ slot, reason: `${target.address}: ${error.message}` });
      else accepted.push(slot);
    });
    const migrating = await pipelined(
      sourceClient,
      accepted.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id]),
    );
    const opened: number[] = [];
    const undo: number[] = [];
    accepted.forEach((slot, index) => {
      const error = migrating[index]?.[0];
      if (error) {
        skipped.push({ slot, reason: `${source.address}: ${error.message}` });
        undo.push(slot);
      } else opened.push(slot);
    });
    await pipelined(
      targetClient,
      undo.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'STABLE']),
    );
    return { opened, skipped };
  }

  /**
   * Step 3: moves every key of `slots` from `source` to `target`. With `replace: 'on-busy'` a
   * key the target already has is overwritten: only pass it when `source` owns the slots and
   * migrates them (then every key it still holds is the live copy: a write to a key it holds is
   * served by it, a write to a key it lacks goes to the target with ASK, so the target's copy
   * can only be an older one, e.g. from a MIGRATE whose reply was lost). With `'never'` (keys
   * on a node that does not own the slot) the target's copy wins and the source's is left and
   * reported in `conflicts`. TTLs travel with the keys (MIGRATE sends the remaining TTL).
   */
  async drain(
    source: MoverNode,
    target: MoverNode,
    slots: readonly number[],
    replace: 'on-busy' | 'never',
  ): Promise<{ moved: number; conflicts: string[] }> {
    const client = this.#session.client(source);
    const { keysPerFetch, keysPerMigrate, migrateTimeoutMs } = this.#options;
    const auth = this.#session.migrateAuth();
    const conflicts = new Set<string>();
    const conflictsPerSlot = new Map<number, number>();
    let moved = 0;
    let pending = [...slots];
    while (pending.length > 0) {
      const fetched = await pipelined(
        client,
        pending.map((slot) => [
          'CLUSTER',
          'GETKEYSINSLOT',
          slot,
          keysPerFetch + (conflictsPerSlot.get(slot) ?? 0),
        ]),
      );
      const keys: Array<{ key: Buffer; slot: number }> = [];
      const next: number[] = [];
      pending.forEach((slot, index) => {
        const [error, reply] = fetched[index] ?? [null, []];
        if (error)
          throw failed(`${source.address}: CLUSTER GETKEYSINSLOT ${slot}: ${error.message}`, error);
        const found = (reply as Buffer[]).filter((key) => !conflicts.has(key.toString('latin1')));
        for (const key of found) keys.push({ key, slot });
        // Only a full page may have more behind it: no key can appear in a migrating slot
        // (the source sends writes to keys it lacks to the target), and MIGRATE leaves behind
        // only keys it reports (BUSYKEY) or that expired.
        if ((reply as Buffer[]).length >= keysPerFetch + (conflictsPerSlot.get(slot) ?? 0)) {
          next.push(slot);
        }
      });
      if (keys.length === 0) break;
      // One MIGRATE per slot (Redis Cluster refuses multi-key commands across slots), all of
      // them in one pipeline.
      const chunks: Array<Array<{ key: Buffer; slot: number }>> = [];
      let current: Array<{ key: Buffer; slot: number }> = [];
      for (const entry of keys) {
        if (
          current.length > 0 &&
          (current[0]?.slot !== entry.slot || current.length >= keysPerMigrate)
        ) {
          chunks.push(current);
          current = [];
        }
        current.push(entry);
      }
      if (current.length > 0) chunks.push(current);
      const migrate = (chunk: Array<{ key: Buffer }>, withReplace: boolean): Argument[] => [
        'MIGRATE',
        target.host,
        target.port,
        '',
        0,
        migrateTimeoutMs,
        ...(withReplace ? ['REPLACE'] : []),
        ...auth,
        'KEYS',
        ...chunk.map((entry) => entry.key),
      ];
      const replies = await pipelined(
        client,
        chunks.map((chunk) => migrate(chunk, false)),
      );
      const busy: Array<Array<{ key: Buffer; slot: number }>> = [];
      replies.forEach(([error, reply], index) => {
        const chunk = chunks[index] ?? [];
        if (!error) {
          // NOKEY: every key of the chunk expired meanwhile.
          if (String(reply) !== 'NOKEY') moved += chunk.length;
          return;
        }
        if (error.message.includes('BUSYKEY')) busy.push(chunk);
        else
          throw failed(`${source.address}: MIGRATE to ${target.address}: ${error.message}`, error);
      });
      if (busy.length > 0) {
        if (replace === 'on-busy') {
          // The keys MIGRATE did move are gone from the source; resend the chunk with REPLACE
          // (MIGRATE skips keys that no longer exist).
          const retried = await pipelined(
            client,
            busy.map((chunk) => migrate(chunk, true)),
          );
          for (const [error] of retried) {
            if (error && !error.message.startsWith('NOKEY')) {
              throw failed(
                `${source.address}: MIGRATE REPLACE to ${target.address}: ${error.message}`,
                error,
              );
            }
          }
          moved += busy.reduce((sum, chunk) => sum + chunk.length, 0);
        } else {
          // Keys still on the source after the attempt are the ones the target already had.
          // (GETKEYSINSLOT, not EXISTS: a node that does not own the slot answers MOVED.)
          const all = busy.flat();
          const slotsOfBusy = [...new Set(all.map((entry) => entry.slot))];
          const left = await pipelined(
            client,
            slotsOfBusy.map((slot) => [
              'CLUSTER',
              'GETKEYSINSLOT',
              slot,
              keysPerFetch + all.length,
            ]),
          );
          const remaining = new Set<string>();
          for (const [, reply] of left) {
            for (const key of (reply as Buffer[] | null) ?? [])
              remaining.add(key.toString('latin1'));
          }
          for (const entry of all) {
            const name = entry.key.toString('latin1');
            if (remaining.has(name)) {
              conflicts.add(name);
              conflictsPerSlot.set(entry.slot, (conflictsPerSlot.get(entry.slot) ?? 0) + 1);
            } else moved++;
          }
        }
      }
      pending = next;
    }
    return { moved, conflicts: [...conflicts].map((key) => Buffer.from(key, 'latin1').toString()) };
  }

  /**
   * Step 4: gives `slots` to `owner`: on the owner first (closing its importing state and
   * bumping its config epoch, or closing a migrating state it still has), then on
   * `previousOwner`, then on every other master in `masters` (closing an importing or
   * migrating state they have for the slot with STABLE first). A node that turned replica on
   * losing its last slot refuses SETSLOT; that is expected. Errors on other masters are
   * returned as warnings: gossip converges them anyway.
   */
  async assign(
    slots: readonly number[],
    owner: MoverNode,
    options: {
      previousOwner?: MoverNode | undefined;
      masters: readonly MoverNode[];
      openOn?: (nodeId: string, slot: number) => boolean;
    },
  ): Promise<{ warnings: string[] }> {
    const warnings: string[] = [];
    const openOn = options.openOn ?? (() => false);
    const commandsFor = (stableFirst: (slot: number) => boolean) =>
      slots.flatMap((slot): Argument[][] => [
        ...(stableFirst(slot) ? [['CLUSTER', 'SETSLOT', slot, 'STABLE']] : []),
        ['CLUSTER', 'SETSLOT', slot, 'NODE', owner.id],
      ]);
    const check = (node: MoverNode, replies: Reply[], fatal: boolean) => {
      for (const [error] of replies) {
        if (!error || error.message.includes(replicaRefusal)) continue;
        const message = `${node.address}: CLUSTER SETSLOT NODE ${owner.address}: ${error.message}`;
        if (fatal) throw failed(message, error);
        warnings.push(message);
        return;
      }
    };
    // On the new owner, in one transaction: every slot but the last is closed (STABLE) and
    // assigned, which costs nothing; the last is assigned while still importing, which bumps
    // the owner's config epoch and broadcasts its slots once, all of them included. (Assigning
    // each importing slot would broadcast once per slot: most of redis-cli's time.) No client
    // command runs between a slot's STABLE and NODE, so none is bounced back to the source.
    const last = slots.at(-1);
    const ownerReplies = await transaction(
      this.#session.client(owner),
      slots.flatMap((slot): Argument[][] => [
        ...(slot !== last || openOn(owner.id, slot)
          ? [['CLUSTER', 'SETSLOT', slot, 'STABLE']]
          : []),
        ['CLUSTER', 'SETSLOT', slot, 'NODE', owner.id],
      ]),
    );
    check(owner, ownerReplies, true);
    const previous = options.previousOwner;
    if (previous && previous.id !== owner.id) {
      const replies = await pipelined(
        this.#session.client(previous),
        commandsFor(() => false),
      );
      check(previous, replies, true);
    }
    await Promise.all(
      options.masters
        .filter((node) => node.id !== owner.id && node.id !== previous?.id)
        .map(async (node) => {
          try {
            const replies = await pipelined(
              this.#session.client(node),
              commandsFor((slot) => openOn(node.id, slot)),
            );
            check(node, replies, false);
          } catch (error) {
            warnings.push(`${node.address}: ${describeError(error)}`);
          }
        }),
    );
    return { warnings };
  }
}
