import { detectBackend } from '../backend/detect-backend.js';
import { HarnessError } from '../errors/harness-error.js';
import { startCluster } from '../topology/start-cluster.js';
import { startSentinel } from '../topology/start-sentinel.js';
import { startStandalone } from '../topology/start-standalone.js';
import type { Topology } from '../topology/types.js';
import { type CliArgs, cliUsage, parseCliArgs } from './parse-cli-args.js';
import { chooseSeedPorts, describeSeedChoice, seedPorts } from './seed-ports.js';
import { watchAncestors } from './watch-ancestors.js';

type Print = (line: string) => void;

/** Quotes a value for a shell / .env line when it needs it. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

async function start(
  args: CliArgs,
  print: Print,
): Promise<{ topology: Topology; roles: Map<string, string>; hint: string[] }> {
  const common = {
    ...(args.password === undefined ? {} : { password: args.password }),
    tls: args.tls,
  };
  const roles = new Map<string, string>();
  if (args.topology === 'standalone') {
    const choice = args.seedPorts ? await chooseSeedPorts(seedPorts.standalone) : undefined;
    if (choice) print(describeSeedChoice('server', choice));
    const topology = await startStandalone({
      ...common,
      ...(choice?.use ? { preferredPort: 6379 } : {}),
    });
    roles.set(topology.node.id, 'master');
    return {
      topology,
      roles,
      hint: [
        `redis-cli -p ${topology.port}${args.tls ? ' --tls --cacert <REDIS_TLS_CA>' : ''} ping`,
      ],
    };
  }
  if (args.topology === 'cluster') {
    const choice = args.seedPorts ? await chooseSeedPorts(seedPorts.cluster, 10000) : undefined;
    if (choice) print(describeSeedChoice('cluster nodes', choice));
    const topology = await startCluster({
      ...common,
      ...(choice?.use ? { preferredPorts: choice.ports } : {}),
    });
    for (const node of await topology.masters()) roles.set(node.id, 'master');
    for (const node of await topology.replicas()) roles.set(node.id, 'replica');
    const first = topology.nodes[0];
    return {
      topology,
      roles,
      hint: [
        `redis-cli --cluster check 127.0.0.1:${first?.port}${args.tls ? ' --tls --cacert <REDIS_TLS_CA>' : ''}`,
      ],
    };
  }
  const servers = args.seedPorts ? await chooseSeedPorts(seedPorts.sentinelServers) : undefined;
  const sentinels = args.seedPorts ? await chooseSeedPorts(seedPorts.sentinels) : undefined;
  if (servers) print(describeSeedChoice('data nodes', servers));
  if (sentinels) print(describeSeedChoice('sentinels', sentinels));
  const topology = await startSentinel({
    ...common,
    preferredPorts: {
      ...(servers?.use ? { servers: servers.ports } : {}),
      ...(sentinels?.use ? { sentinels: sentinels.ports } : {}),
    },
  });
  const master = await topology.master();
  for (const node of topology.nodes) {
    roles.set(
      node.id,
      node.kind === 'sentinel' ? 'sentinel' : node === master ? 'master' : 'replica',
    );
  }
  const first = topology.sentinelNodes[0];
  return {
    topology,
    roles,
    hint: [
      `redis-cli -p ${first?.port}${args.tls ? ' --tls --cacert <REDIS_TLS_CA>' : ''} sentinel masters`,
    ],
  };
}

/**
 * The `pnpm redis:up` command: starts a topology in the foreground, prints nodes, environment
 * and a redis-cli hint, and stops it on SIGINT / SIGTERM / SIGHUP. Resolves with the exit code
 * once stopped (it does not call `process.exit` on the normal path).
 */
export async function runCli(argv: readonly string[], print: Print = console.log): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    print((error as Error).message);
    return 2;
  }
  if (args.help) {
    print(cliUsage);
    return 0;
  }
  // A signal during the start exits at once; the harness' exit handler kills what was started.
  const abortStart = () => process.exit(130);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, abortStart);

  const started = Date.now();
  let result: Awaited<ReturnType<typeof start>>;
  try {
    const backend = await detectBackend();
    print(
      `redis-harness: starting ${args.topology}${args.tls ? ' (TLS)' : ''} with ${backend.kind === 'local' ? backend.serverBin : `Testcontainers (${backend.image})`}`,
    );
    result = await start(args, print);
  } catch (error) {
    for (const signal of signals) process.off(signal, abortStart);
    print(HarnessError.isInstance(error) ? `${error.code}: ${error.message}` : String(error));
    return 1;
  }
  for (const signal of signals) process.off(signal, abortStart);
  const { topology, roles, hint } = result;

  print('');
  print(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Temp dir: ${topology.dir}`);
  for (const node of topology.nodes) {
    print(
      `  ${node.id.padEnd(11)} 127.0.0.1:${String(node.port).padEnd(6)} ${(roles.get(node.id) ?? node.kind).padEnd(9)} pid ${node.pid ?? '-'}`,
    );
  }
  print('');
  print('Environment (DESIGN.md names):');
  for (const [key, value] of Object.entries(topology.env())) print(`${key}=${shellValue(value)}`);
  print('');
  print(`Try: ${hint.join('\n     ')}`);
  print('Press Ctrl-C (or send SIGTERM) to stop.');

  // Redis children do not hold the event loop open (they are unref'd), so hold it here.
  const keepAlive = setInterval(() => undefined, 60 * 60 * 1000);
  const reason = await new Promise<string>((resolve) => {
    for (const name of signals) process.once(name, () => resolve(name));
    // `kill <pid of pnpm redis:up>` ends pnpm without reaching this process: watch it too.
    watchAncestors((pid) => resolve(`launcher process ${pid} exited`));
  });
  // A second signal while stopping exits at once (the exit handler still SIGKILLs the servers).
  for (const name of signals) process.once(name, () => process.exit(130));
  print(`\n${reason}: stopping...`);
  await topology.stop();
  clearInterval(keepAlive);
  print('Stopped: every redis-server of this topology has exited and its temp dir is removed.');
  return 0;
}
