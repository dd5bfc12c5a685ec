export { buildAndPack } from './consumer/build-and-pack.js';
export { type ConsumerSpec, consumers } from './consumer/consumers.js';
export {
  type ConsumerProject,
  type InstallConsumerOptions,
  installConsumerProject,
} from './consumer/install-consumer-project.js';
export { lockedVersion } from './consumer/locked-version.js';
export { readRegistryDate } from './consumer/registry-date.js';
export { type CommandOutput, runCommand } from './consumer/run-command.js';
export {
  type TypeCheckConsumerOptions,
  typeCheckConsumer,
} from './consumer/type-check-consumer.js';
export { type WorkspacePackage, workspaceClosure } from './consumer/workspace-closure.js';
export { CompatError, type CompatErrorCode } from './errors/compat-error.js';
