import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../tooling/config/vitest.config.ts';

// The same tests against the oldest supported ioredis (5.4, dev dependency `ioredis5`):
// `pnpm --filter @redgrid/observability test:ioredis5` (from the repository root).
const ioredis5 = fileURLToPath(new URL('./node_modules/ioredis5/built/index.js', import.meta.url));

export default mergeConfig(base, defineConfig({ resolve: { alias: { ioredis: ioredis5 } } }));
