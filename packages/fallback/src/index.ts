export {
  type DegradationRecovery,
  type DegradationSnapshot,
  DegradationTracker,
  type DegradationTrackerEvents,
  type DegradationTrackerOptions,
} from './degradation/degradation-tracker.js';
export { isRedisUnavailable, isStoreFailure } from './degradation/store-failure.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { WrongTypeError } from './errors/wrong-type-error.js';
export { ENTRY_OVERHEAD_BYTES, estimateSize } from './memory/estimate-size.js';
export {
  type MemoryIncrementOptions,
  type MemorySetOptions,
  MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreStats,
} from './memory/memory-store.js';
export { deleteByPrefix } from './resilient/delete-by-prefix.js';
export { ResilientStore } from './resilient/resilient-store.js';
export type {
  RecoveryPolicy,
  RecoveryReport,
  ResilientStoreConnection,
  ResilientStoreEvents,
  ResilientStoreOptions,
  ResilientStoreStats,
  StoreEntry,
  StoreIncrementOptions,
  StoreSetOptions,
} from './resilient/resilient-store-options.js';
export type { StoreResult, StoreSource } from './resilient/store-result.js';
export { versionKey } from './resilient/version-key.js';
export {
  evaluateScript,
  type LuaScript,
  luaScript,
  type ScriptEvaluator,
} from './script/evaluate-script.js';
export {
  type DefinedScript,
  defineScript,
  type ScriptArgument,
  type ScriptReply,
  type StoreScript,
  scriptSha1,
} from './script/store-script.js';
