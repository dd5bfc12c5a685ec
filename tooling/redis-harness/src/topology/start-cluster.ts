import { detectBackend } from '../backend/detect-backend.js';
import { requireLocalBackend } from '../backend/require-local-backend.js';
import type { LocalBackend } from '../backend/select-backend.js';
import { renderServerConfig } from '../config/render-config.js';
import { HarnessError } from '../errors/harness-error.js';
import type { RedisProcess } from '../process/redis-process.js';
import { RespErrorReply, type RespValue } from '../resp/resp-parser.js';
import { sendCommands } from '../resp/send-command.js';
import { errorMessage } from '../util/deadline.js';
import { pollUntil } from '../util/poll-until.js';
import {
  type ClusterNodeView,
  checkClusterViews,
  parseClusterNodes,
  slotRangeFor,
} from './cluster-state.js';
import { LocalTopology } from './local-topology.js';
import { parseInfo } from './parse-info.js';
import type { Address, ClusterOptions, ClusterTopology, ReadyOptions, RedisNode } from './types.js';

/** Redis Cluster's fixed number of hash slots. */
const slotCount = 16384;
const busPortOffset = 10000;

function expectString(reply: RespValue, what: string): string {
  if (typeof reply === 'string') return reply;
  if (reply instanceof RespErrorReply)
    throw new HarnessError('ERR_HARNESS_REPLY', `${what}: ${reply.message}`);
  throw new HarnessError('ERR_HARNESS_REPLY', `${what}: unexpected reply ${JSON.stringify(reply)}`);
}

function positiveInteger(value: number, name: string, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new HarnessError(
      'ERR_HARNESS_USAGE',
      `options.${name} must be an integer >= ${minimum} (got ${value}).`,
    );
  }
  return value;
}

class LocalClusterTopology extends LocalTopology implements ClusterTopology {
  readonly #options: ClusterOptions;
  readonly #masterCount: number;
  readonly #replicaCount: number;
  readonly #nodeTimeoutMs: number;
  readonly #deadline: number;

  constructor(backend: LocalBackend, options: ClusterOptions) {
    super('cluster', backend, options);
    this.#options = options;
    this.#masterCount = positiveInteger(options.masters ?? 3, 'masters', 1);
    const replicasPerMaster = positiveInteger(
      options.replicasPerMaster ?? 1,
      'replicasPerMaster',
      0,
    );
    this.#nodeTimeoutMs = positiveInteger(options.nodeTimeoutMs ?? 1000, 'nodeTimeoutMs', 100);
    const emptyMasters = positiveInteger(options.emptyMasters ?? 0, 'emptyMasters', 0);
    this.#replicaCount = this.#masterCount * replicasPerMaster;
    this.#deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    const total = this.#masterCount + this.#replicaCount + emptyMasters;
    for (let index = 0; index < total; index++) this.#addMember(options.preferredPorts?.[index]);
  }

  /** Creates the process of the next node (`node-<n>`), not started yet. */
  #addMember(preferredPort: number | undefined): RedisProcess {
    const options = this.#options;
    const member: RedisProcess = this.addProcess({
      id: `node-${this.processes.length + 1}`,
      kind: 'server',
      busPortOffset,
      preferredPort,
      renderConfig: (port) =>
        renderServerConfig({
          port,
          dir: member.dir,
          password: options.password,
          aclUsers: options.aclUsers,
          tls: this.resolvedTls,
          cluster: { nodeTimeoutMs: this.#nodeTimeoutMs, busPort: port + busPortOffset },
        }),
      connection: () => ({ password: options.password, tls: this.clientTls }),
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
    return member;
  }

  get startupNodes(): readonly Address[] {
    return this.processes.map((member) => ({ host: member.host, port: member.port }));
  }

  async start(): Promise<void> {
    await this.startOrCleanUp(async () => {
      await this.setUpTls(this.#options.tls);
      await Promise.all(this.processes.map((member) => member.start()));
      await this.#create();
      await this.waitUntilReady({ timeoutMs: Math.max(1000, this.#deadline - Date.now()) });
    });
  }

  /**
   * What `redis-cli --cluster create` does, minus its fixed one-second sleeps: distinct config
   * epochs, slots split evenly over the masters, MEET, then CLUSTER REPLICATE once every node
   * knows every other (a replica must know its master's id).
   */
  async #create(): Promise<void> {
    const members = this.processes;
    const ids = await Promise.all(
      members.map(async (member) =>
        expectString(await member.call(['CLUSTER', 'MYID']), `${member.id} CLUSTER MYID`),
      ),
    );
    await Promise.all(
      members.map((member, index) => member.call(['CLUSTER', 'SET-CONFIG-EPOCH', index + 1])),
    );
    await Promise.all(
      members.slice(0, this.#masterCount).map((member, index) => {
        const [start, end] = slotRangeFor(index, this.#masterCount);
        const slots = Array.from({ length: end - start + 1 }, (_, offset) => start + offset);
        return member.call(['CLUSTER', 'ADDSLOTS', ...slots]);
      }),
    );
    const [first, ...others] = members;
    if (first === undefined) return;
    for (const member of others) await first.call(['CLUSTER', 'MEET', member.host, member.port]);
    await this.#waitUntilAllKnown(this.#deadline - Date.now());
    await Promise.all(
      members
        .slice(this.#masterCount, this.#masterCount + this.#replicaCount)
        .map((member, index) => {
          const masterId = ids[index % this.#masterCount];
          return member.call(['CLUSTER', 'REPLICATE', masterId ?? '']);
        }),
    );
  }

  /** Waits until every node knows every other node (no handshake left). */
  async #waitUntilAllKnown(timeoutMs: number): Promise<void> {
    const members = this.processes.filter((member) => member.serving);
    await pollUntil(
      async () => {
        for (const member of members) {
          const entries = parseClusterNodes(
            expectString(await member.call(['CLUSTER', 'NODES']), member.id),
          );
          const pending = entries.filter(
            (entry) => entry.flags.includes('handshake') || entry.flags.includes('noaddr'),
          );
          const total = this.processes.length;
          if (entries.length !== total || pending.length > 0) {
            return `${member.describe()} knows ${entries.length - pending.length} of ${total} nodes`;
          }
        }
        return undefined;
      },
      {
        timeoutMs: Math.max(1000, timeoutMs),
        intervalMs: 50,
        what: 'cluster nodes meeting each other',
      },
    );
  }

  async addMaster(options: ReadyOptions = {}): Promise<RedisNode> {
    this.assertNotStopped('add a master');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const seed = this.processes.find((member) => member.serving);
    if (seed === undefined)
      throw new HarnessError('ERR_HARNESS_USAGE', 'No cluster node is running to meet.');
    const member = this.#addMember(undefined);
    await member.start();
    // A distinct config epoch, as `#create` gives every node, so no collision has to be resolved.
    await member.call(['CLUSTER', 'SET-CONFIG-EPOCH', this.processes.length]);
    await seed.call(['CLUSTER', 'MEET', member.host, member.port]);
    await this.#waitUntilAllKnown(deadline - Date.now());
    await this.waitUntilReady({ timeoutMs: Math.max(1000, deadline - Date.now()) });
    return member;
  }

  async removeNode(node: RedisNode, options: ReadyOptions = {}): Promise<void> {
    this.assertNotStopped('remove a node');
    const member = this.processOf(node);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const entries = parseClusterNodes(
      expectString(await member.call(['CLUSTER', 'NODES']), `${member.id} CLUSTER NODES`),
    );
    const myself = entries.find((entry) => entry.flags.includes('myself'));
    if (myself === undefined)
      throw new HarnessError('ERR_HARNESS_REPLY', `${member.describe()} has no myself entry.`);
    if (myself.slots.length > 0) {
      throw new HarnessError(
        'ERR_HARNESS_USAGE',
        `${member.describe()} still owns slots (${myself.slots.join(' ')}); move them away first.`,
      );
    }
    // FORGET on every other node within the 60 s ban, then the node itself goes away.
    const others = this.processes.filter((other) => other !== member && other.serving);
    await Promise.all(others.map((other) => other.call(['CLUSTER', 'FORGET', myself.id])));
    await member.kill();
    member.releasePort();
    this.processes.splice(this.processes.indexOf(member), 1);
    await this.waitUntilReady({ timeoutMs: Math.max(1000, deadline - Date.now()) });
  }

  async waitUntilReady(options: ReadyOptions = {}): Promise<void> {
    this.assertNotStopped('wait for the cluster');
    let failing: RedisProcess | undefined;
    await pollUntil(
      async () => {
        failing = undefined;
        const serving = this.processes.filter((member) => member.serving);
        const views = await Promise.all(
          serving.map(async (member): Promise<ClusterNodeView> => {
            try {
              const [info, nodes, replication] = await sendCommands(
                member.target,
                [
                  ['CLUSTER', 'INFO'],
                  ['CLUSTER', 'NODES'],
                  ['INFO', 'replication'],
                ],
                { timeoutMs: 1000 },
              );
              return {
                label: member.describe(),
                port: member.port,
                info: parseInfo(info ?? null),
                nodes: parseClusterNodes(expectString(nodes ?? null, 'CLUSTER NODES')),
                replication: parseInfo(replication ?? null),
              };
            } catch (error) {
              failing = member;
              throw new HarnessError(
                'ERR_HARNESS_CONNECTION',
                `${member.describe()}: ${errorMessage(error)}`,
              );
            }
          }),
        );
        const reason = checkClusterViews(views, this.processes.length);
        if (reason !== undefined)
          failing = serving.find((member) => reason.startsWith(member.describe()));
        return reason;
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: 100,
        what: 'Redis Cluster ready (cluster_state:ok, 16384 slots ok, replicas in sync, nodes agree)',
        diagnose: () => failing?.logTail() ?? '',
      },
    );
  }

  /** Asks serving nodes in turn until one answers. */
  async #ask(args: readonly (string | number)[]): Promise<RespValue> {
    let lastError: unknown;
    for (const member of this.processes.filter((candidate) => candidate.serving)) {
      try {
        return await member.call(args, 1000);
      } catch (error) {
        lastError = error;
      }
    }
    throw new HarnessError(
      'ERR_HARNESS_CONNECTION',
      `No cluster node answered ${String(args[0])} ${String(args[1] ?? '')}: ${lastError === undefined ? 'no node is running' : errorMessage(lastError)}`,
    );
  }

  async #entries() {
    return parseClusterNodes(expectString(await this.#ask(['CLUSTER', 'NODES']), 'CLUSTER NODES'));
  }

  #nodeAt(port: number): RedisNode {
    const member = this.processByPort(port);
    if (member === undefined)
      throw new HarnessError(
        'ERR_HARNESS_REPLY',
        `The cluster reports a node on port ${port} that this topology did not start.`,
      );
    return member;
  }

  async masters(): Promise<RedisNode[]> {
    const entries = await this.#entries();
    return entries
      .filter(
        (entry) =>
          entry.flags.includes('master') && !entry.flags.includes('fail') && entry.slots.length > 0,
      )
      .map((entry) => this.#nodeAt(entry.port));
  }

  async replicas(): Promise<RedisNode[]> {
    const entries = await this.#entries();
    return entries
      .filter(
        (entry) =>
          entry.flags.includes('slave') &&
          !entry.flags.includes('fail') &&
          !entry.flags.includes('fail?'),
      )
      .map((entry) => this.#nodeAt(entry.port));
  }

  async masterFor(slot: number): Promise<RedisNode> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount) {
      throw new HarnessError(
        'ERR_HARNESS_USAGE',
        `slot must be an integer 0..16383 (got ${slot}).`,
      );
    }
    const ranges = await this.#ask(['CLUSTER', 'SLOTS']);
    for (const range of Array.isArray(ranges) ? ranges : []) {
      if (!Array.isArray(range)) continue;
      const [start, end, master] = range;
      if (
        typeof start === 'number' &&
        typeof end === 'number' &&
        slot >= start &&
        slot <= end &&
        Array.isArray(master)
      ) {
        return this.#nodeAt(Number(master[1]));
      }
    }
    throw new HarnessError(
      'ERR_HARNESS_REPLY',
      `No master owns slot ${slot} according to CLUSTER SLOTS.`,
    );
  }

  async failover(replica?: RedisNode, options: ReadyOptions = {}): Promise<void> {
    this.assertNotStopped('fail over');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const chosen = replica ?? (await this.replicas())[0];
    if (chosen === undefined)
      throw new HarnessError('ERR_HARNESS_USAGE', 'The cluster has no replica to fail over to.');
    const member = this.processOf(chosen);
    await member.call(['CLUSTER', 'FAILOVER']);
    await pollUntil(
      async () => {
        const entries = parseClusterNodes(
          expectString(await member.call(['CLUSTER', 'NODES'], 1000), 'CLUSTER NODES'),
        );
        const myself = entries.find((entry) => entry.flags.includes('myself'));
        return myself?.flags.includes('master')
          ? undefined
          : `${member.describe()} is still a replica`;
      },
      { timeoutMs, what: `CLUSTER FAILOVER to ${member.id}`, diagnose: () => member.logTail() },
    );
    await this.waitUntilReady({ timeoutMs: Math.max(1000, deadline - Date.now()) });
  }

  env(): Record<string, string> {
    const env: Record<string, string> = { REDIS_CLUSTER: 'true' };
    this.processes.forEach((member, index) => {
      env[`REDIS_NODE${index + 1}_HOST`] = member.host;
      env[`REDIS_NODE${index + 1}_PORT`] = String(member.port);
    });
    return { ...env, ...this.commonEnv() };
  }
}

/**
 * Starts a Redis Cluster (default 3 masters + 1 replica each) on free loopback ports (each
 * node also needs port + 10000 for the cluster bus) and waits until it is really ready: every
 * node reports `cluster_state:ok` with all 16384 slots, replicas are in sync, and every node
 * agrees on the layout. `cluster-node-timeout` defaults to 1000 ms so a killed master is
 * replaced within a few seconds. Needs a local redis-server (Redis 7 recommended).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<ClusterTopology> {
  const backend = requireLocalBackend(await detectBackend(), 'startCluster');
  const topology = new LocalClusterTopology(backend, options);
  await topology.start();
  return topology;
}
