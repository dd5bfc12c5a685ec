export { detectBackend, findOnPath, isExecutableFile } from './backend/detect-backend.js';
export { isDockerReachable } from './backend/docker-reachable.js';
export {
  type Backend,
  type BackendProbe,
  defaultRedisImage,
  type LocalBackend,
  selectBackend,
  type TestcontainersBackend,
} from './backend/select-backend.js';
export { HarnessError, type HarnessErrorCode } from './errors/harness-error.js';
export {
  type AcquirePortOptions,
  acquirePort,
  defaultPortRange,
  type PortLease,
  type PortRange,
  tryAcquirePort,
} from './ports/acquire-port.js';
export { isPortFree } from './ports/is-port-free.js';
export { RespErrorReply, type RespValue } from './resp/resp-parser.js';
export {
  type CommandTarget,
  type SendCommandOptions,
  sendCommand,
  sendCommands,
} from './resp/send-command.js';
export type { TlsMaterial } from './tls/generate-certificates.js';
export { startCluster } from './topology/start-cluster.js';
export { startSentinel } from './topology/start-sentinel.js';
export { startStandalone } from './topology/start-standalone.js';
export type {
  AclUser,
  Address,
  ClusterOptions,
  ClusterTopology,
  CommonTopologyOptions,
  ReadyOptions,
  RedisNode,
  SentinelOptions,
  SentinelTopology,
  StandaloneOptions,
  StandaloneTopology,
  TlsOptions,
  Topology,
  WaitForOptions,
} from './topology/types.js';
export { waitFor } from './topology/wait-for.js';
