import type { CircuitBreaker } from '@redgrid/core';
import { PipelineGroup } from './inflight-record.js';

const groupKey: unique symbol = Symbol('redgrid.pipeline');

interface GuardedStream {
  [groupKey]?: PipelineGroup;
}

/**
 * The group of the pipeline (an auto-pipelined batch, a transaction) that `stream` belongs to.
 * The breaker admits or refuses the pipeline as a whole, once, when its first member is sent
 * (ioredis writes it only once every member is handed over); the refusal is kept in the group
 * for the other members. `holding`: a failover hold is on, so the whole pipeline waits.
 */
export function admitPipeline(
  stream: object,
  breaker: CircuitBreaker,
  holding: boolean,
): PipelineGroup {
  const guardedStream = stream as GuardedStream;
  const existing = guardedStream[groupKey];
  if (existing !== undefined) return existing;
  const created = new PipelineGroup();
  created.held = holding;
  guardedStream[groupKey] = created;
  try {
    breaker.admit();
  } catch (error) {
    created.rejection = error as Error;
  }
  return created;
}
