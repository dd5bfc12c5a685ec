import type { Redis } from 'ioredis';
import type { PipelineReply } from '../partitioned-redis/partitioned-pipeline.js';

/** Sends an ioredis pipeline; its replies (none when ioredis returns null). */
export async function execPipeline(
  pipeline: ReturnType<Redis['pipeline']>,
): Promise<PipelineReply[]> {
  return ((await pipeline.exec()) ?? []) as PipelineReply[];
}
