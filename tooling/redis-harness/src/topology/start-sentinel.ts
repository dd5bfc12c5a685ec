import { detectBackend } from '../backend/detect-backend.js';
import { requireLocalBackend } from '../backend/require-local-backend.js';
import type { LocalBackend } from '../backend/select-backend.js';
import { renderSentinelConfig, renderServerConfig } from '../config/render-config.js';
import { HarnessError } from '../errors/harness-error.js';
import type { RedisProcess } from '../process/redis-process.js';
import { RespErrorReply, type RespValue } from '../resp/resp-parser.js';
import { sendCommands } from '../resp/send-command.js';
import { errorMessage } from '../util/deadline.js';
import { pollUntil } from '../util/poll-until.js';
import { LocalTopology } from './local-topology.js';
import { pairsToRecord, parseInfo } from './parse-info.js';
import { checkSentinelViews, type SentinelView, type ServerView } from './sentinel-state.js';
import type {
  Address,
  ReadyOptions,
  RedisNode,
  SentinelOptions,
  SentinelTopology,
} from './types.js';

function count(value: number, name: string, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new HarnessError(
      'ERR_HARNESS_USAGE',
      `options.${name} must be an integer >= ${minimum} (got ${value}).`,
    );
  }
  return value;
}

function unwrap(reply: RespValue | undefined, what: string): RespValue {
  if (reply instanceof RespErrorReply)
    throw new HarnessError('ERR_HARNESS_REPLY', `${what}: ${reply.message}`);
  return reply ?? null;
}

function masterPortOf(reply: RespValue): number | undefined {
  return Array.isArray(reply) && reply.length === 2 ? Number(reply[1]) : undefined;
}

class LocalSentinelTopology extends LocalTopology implements SentinelTopology {
  readonly masterName: string;
  readonly #options: SentinelOptions;
  readonly #servers: RedisProcess[] = [];
  readonly #sentinels: RedisProcess[] = [];
  readonly #deadline: number;

  constructor(backend: LocalBackend, options: SentinelOptions) {
    super('sentinel', backend, options);
    this.#options = options;
    this.masterName = options.masterName ?? 'mymaster';
    if (!/^[A-Za-z0-9._-]+$/.test(this.masterName)) {
      throw new HarnessError(
        'ERR_HARNESS_USAGE',
        `options.masterName must be letters, digits, '.', '_' or '-' (got ${JSON.stringify(this.masterName)}).`,
      );
    }
    const replicaCount = count(options.replicas ?? 2, 'replicas', 0);
    const sentinelCount = count(options.sentinels ?? 3, 'sentinels', 1);
    const downAfterMs = count(options.downAfterMs ?? 2000, 'downAfterMs', 100);
    const failoverTimeoutMs = count(options.failoverTimeoutMs ?? 5000, 'failoverTimeoutMs', 1000);
    const startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.#deadline = Date.now() + startTimeoutMs;
    const dataConnection = () => ({ password: options.password, tls: this.clientTls });

    for (let index = 0; index <= replicaCount; index++) {
      const member: RedisProcess = this.addProcess({
        id: `server-${index + 1}`,
        kind: 'server',
        preferredPort: options.preferredPorts?.servers?.[index],
        renderConfig: (port) =>
          renderServerConfig({
            port,
            dir: member.dir,
            password: options.password,
            aclUsers: options.aclUsers,
            tls: this.resolvedTls,
            replicaOf:
              index === 0 ? undefined : { host: '127.0.0.1', port: this.#initialMaster.port },
          }),
        connection: dataConnection,
        startTimeoutMs,
      });
      this.#servers.push(member);
    }
    for (let index = 0; index < sentinelCount; index++) {
      const member: RedisProcess = this.addProcess({
        id: `sentinel-${index + 1}`,
        kind: 'sentinel',
        preferredPort: options.preferredPorts?.sentinels?.[index],
        renderConfig: (port) =>
          renderSentinelConfig({
            port,
            dir: member.dir,
            tls: this.resolvedTls,
            masterName: this.masterName,
            master: { host: '127.0.0.1', port: this.#initialMaster.port },
            quorum: Math.floor(sentinelCount / 2) + 1,
            downAfterMs,
            failoverTimeoutMs,
            authPass: options.password,
            sentinelPassword: options.sentinelPassword,
          }),
        connection: () => ({ password: options.sentinelPassword, tls: this.clientTls }),
        startTimeoutMs,
      });
      this.#sentinels.push(member);
    }
  }

  get #initialMaster(): RedisProcess {
    const master = this.#servers[0];
    if (master === undefined) throw new Error('no data node');
    return master;
  }

  get sentinelNodes(): readonly RedisNode[] {
    return this.#sentinels;
  }

  get serverNodes(): readonly RedisNode[] {
    return this.#servers;
  }

  get sentinelAddresses(): readonly Address[] {
    return this.#sentinels.map((member) => ({ host: member.host, port: member.port }));
  }

  #remaining(): number {
    return Math.max(1000, this.#deadline - Date.now());
  }

  async start(): Promise<void> {
    await this.startOrCleanUp(async () => {
      await this.setUpTls(this.#options.tls);
      await this.#initialMaster.start();
      await Promise.all(this.#servers.slice(1).map((member) => member.start()));
      // Sentinels start once the replicas are in sync: their first INFO of the master then
      // already lists both replicas, instead of waiting for the next 10 s INFO period.
      await this.#waitForReplicasInSync();
      await Promise.all(this.#sentinels.map((member) => member.start()));
      await this.waitUntilReady({ timeoutMs: this.#remaining() });
    });
  }

  async #waitForReplicasInSync(): Promise<void> {
    let failing: RedisProcess | undefined;
    await pollUntil(
      async () => {
        for (const member of this.#servers.slice(1)) {
          failing = member;
          const info = parseInfo(await member.call(['INFO', 'replication'], 1000));
          if (info.master_link_status !== 'up' || info.master_sync_in_progress !== '0') {
            return `${member.describe()}: master_link_status:${info.master_link_status ?? '?'}`;
          }
        }
        return undefined;
      },
      {
        timeoutMs: this.#remaining(),
        intervalMs: 50,
        what: 'replicas in sync with the master',
        diagnose: () => failing?.logTail() ?? '',
      },
    );
  }

  async #sentinelView(member: RedisProcess): Promise<SentinelView> {
    const name = this.masterName;
    const [address, master, replicas] = await sendCommands(
      member.target,
      [
        ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name],
        ['SENTINEL', 'MASTER', name],
        ['SENTINEL', 'REPLICAS', name],
      ],
      { timeoutMs: 1000 },
    );
    const replicaList = unwrap(replicas, 'SENTINEL REPLICAS');
    return {
      label: member.describe(),
      masterPort: masterPortOf(unwrap(address, 'SENTINEL GET-MASTER-ADDR-BY-NAME')),
      master: pairsToRecord(unwrap(master, 'SENTINEL MASTER')),
      replicas: Array.isArray(replicaList) ? replicaList.map(pairsToRecord) : [],
    };
  }

  async waitUntilReady(options: ReadyOptions = {}): Promise<void> {
    this.assertNotStopped('wait for the sentinel group');
    let failing: RedisProcess | undefined;
    await pollUntil(
      async () => {
        failing = undefined;
        const guarded = async <T>(member: RedisProcess, load: () => Promise<T>): Promise<T> => {
          try {
            return await load();
          } catch (error) {
            failing = member;
            throw new HarnessError(
              'ERR_HARNESS_CONNECTION',
              `${member.describe()}: ${errorMessage(error)}`,
            );
          }
        };
        const sentinels = await Promise.all(
          this.#sentinels
            .filter((member) => member.serving)
            .map((member) => guarded(member, () => this.#sentinelView(member))),
        );
        const servers = await Promise.all(
          this.#servers
            .filter((member) => member.serving)
            .map((member) =>
              guarded(
                member,
                async (): Promise<ServerView> => ({
                  label: member.describe(),
                  port: member.port,
                  replication: parseInfo(await member.call(['INFO', 'replication'], 1000)),
                }),
              ),
            ),
        );
        const reason = checkSentinelViews(sentinels, servers, this.#sentinels.length);
        if (reason !== undefined)
          failing = this.processes.find((member) => reason.startsWith(member.describe()));
        return reason;
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: 100,
        what: `Sentinel group ${this.masterName} ready (sentinels agree on the master and see every replica in sync)`,
        diagnose: () => failing?.logTail() ?? '',
      },
    );
  }

  /** The master port reported by every serving sentinel, or a reason why there is none yet. */
  async #agreedMasterPort(): Promise<number | string> {
    const ports = await Promise.all(
      this.#sentinels
        .filter((member) => member.serving)
        .map(async (member) =>
          masterPortOf(
            await member.call(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName], 1000),
          ),
        ),
    );
    const [first] = ports;
    if (first === undefined) return 'no serving sentinel knows the master';
    return ports.every((port) => port === first)
      ? first
      : `sentinels disagree: ${ports.join(', ')}`;
  }

  async master(): Promise<RedisNode> {
    const port = await this.#agreedMasterPort();
    if (typeof port === 'string')
      throw new HarnessError('ERR_HARNESS_REPLY', `No agreed master: ${port}.`);
    const member = this.processByPort(port);
    if (member === undefined)
      throw new HarnessError(
        'ERR_HARNESS_REPLY',
        `Sentinels report a master on port ${port} that this topology did not start.`,
      );
    return member;
  }

  async replicas(): Promise<RedisNode[]> {
    const master = await this.master();
    return this.#servers.filter((member) => member !== master);
  }

  /**
   * SENTINEL FAILOVER (retried while a sentinel answers INPROG / NOGOODSLAVE), then waits until
   * every serving sentinel reports another master and that node says `role:master`. The old
   * master keeps `role:master` until a sentinel converts it to a replica, which Sentinel itself
   * delays by about 10 s; call `waitUntilReady()` when the test needs that too.
   */
  async failover(options: ReadyOptions = {}): Promise<void> {
    this.assertNotStopped('fail over');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const old = await this.master();
    const sentinel = this.#sentinels.find((member) => member.serving);
    if (sentinel === undefined)
      throw new HarnessError('ERR_HARNESS_USAGE', 'No sentinel is serving: cannot fail over.');
    await pollUntil(
      async () => {
        try {
          await sentinel.call(['SENTINEL', 'FAILOVER', this.masterName], 1000);
          return undefined;
        } catch (error) {
          return errorMessage(error);
        }
      },
      {
        timeoutMs,
        intervalMs: 200,
        what: 'SENTINEL FAILOVER accepted',
        diagnose: () => sentinel.logTail(),
      },
    );
    await pollUntil(
      async () => {
        const port = await this.#agreedMasterPort();
        if (typeof port === 'string') return port;
        if (port === old.port) return `sentinels still report ${old.id} as master`;
        const promoted = this.processByPort(port);
        if (promoted === undefined) return `unknown master port ${port}`;
        const role = parseInfo(await promoted.call(['INFO', 'replication'], 1000)).role;
        return role === 'master' ? undefined : `${promoted.describe()} says role:${role ?? '?'}`;
      },
      {
        timeoutMs: Math.max(1000, deadline - Date.now()),
        what: 'new master reported by every sentinel',
        diagnose: () => sentinel.logTail(),
      },
    );
  }

  env(): Record<string, string> {
    const env: Record<string, string> = {
      REDIS_SENTINEL: 'true',
      REDIS_MASTER_NAME: this.masterName,
    };
    this.#sentinels.forEach((member, index) => {
      env[`REDIS_SENTINEL${index + 1}_HOST`] = member.host;
      env[`REDIS_SENTINEL${index + 1}_PORT`] = String(member.port);
    });
    return { ...env, ...this.commonEnv() };
  }
}

/**
 * Starts a master with replicas (default 2) and sentinels (default 3) monitoring it as
 * `mymaster`, on free loopback ports, and waits until every sentinel agrees on the master, sees
 * both replicas in sync and knows the other sentinels. `down-after-milliseconds` defaults to
 * 2000 ms, so a killed master is replaced in about 3.5 s (see `SentinelOptions.downAfterMs` for
 * why not 1000). Needs a local redis-server.
 */
export async function startSentinel(options: SentinelOptions = {}): Promise<SentinelTopology> {
  const backend = requireLocalBackend(await detectBackend(), 'startSentinel');
  const topology = new LocalSentinelTopology(backend, options);
  await topology.start();
  return topology;
}
