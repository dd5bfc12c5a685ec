import diagnostics from 'node:diagnostics_channel';
import { createConnection } from '@redgrid/connection';
import { type DegradationMessage, loadConfigFromEnv, type RateLimitMessage } from '@redgrid/core';
import { startStandalone } from '@redgrid/redis-harness';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create-rate-limiter.js';

// What @redgrid/observability counts (redgrid_rate_limit_checks_total, redgrid_degraded): each
// decision on `redgrid:rate-limit`, each outage on `redgrid:degradation`. The connection is what
// a user gets from the environment variables alone.
describe('rate limiter diagnostics channels', () => {
  it('publishes each decision with who decided, and the outage and recovery', {
    timeout: 120_000,
  }, async () => {
    await using server = await startStandalone();
    await using connection = createConnection(loadConfigFromEnv(server.env()));
    const decisions: RateLimitMessage[] = [];
    const outages: DegradationMessage[] = [];
    const onDecision = (message: unknown) => decisions.push(message as RateLimitMessage);
    const onOutage = (message: unknown) => outages.push(message as DegradationMessage);
    diagnostics.subscribe('redgrid:rate-limit', onDecision);
    diagnostics.subscribe('redgrid:degradation', onOutage);
    const limiter = createRateLimiter({
      connection,
      algorithm: 'fixed-window',
      limit: 2,
      windowMs: 60_000,
      prefix: 'channel:',
    });
    try {
      for (let index = 0; index < 3; index++) await limiter.check('k');
      await limiter.peek('k'); // a peek decides nothing
      expect(decisions).toEqual([
        { limiter: 'channel:', algorithm: 'fixed-window', allowed: true, decidedBy: 'redis' },
        { limiter: 'channel:', algorithm: 'fixed-window', allowed: true, decidedBy: 'redis' },
        { limiter: 'channel:', algorithm: 'fixed-window', allowed: false, decidedBy: 'redis' },
      ]);

      await server.kill(server.node);
      decisions.length = 0;
      expect(await limiter.check('k')).toMatchObject({ allowed: true, degraded: true });
      expect(decisions).toEqual([
        { limiter: 'channel:', algorithm: 'fixed-window', allowed: true, decidedBy: 'memory' },
      ]);
      expect(outages).toEqual([
        expect.objectContaining({ component: 'rate-limit', name: 'channel:', event: 'degraded' }),
      ]);
      expect(limiter.healthCheck('rate-limit:api', { redisConnected: false })).toMatchObject({
        name: 'rate-limit:api',
        status: 'degraded',
        details: { degraded: true, memory: 1, failurePolicy: 'memory' },
      });

      await server.restart(server.node);
      await server.waitFor(async () => !(await limiter.check('k')).degraded, {
        timeoutMs: 60_000,
        message: 'the limiter back on Redis',
      });
      expect(outages.at(-1)).toMatchObject({ component: 'rate-limit', event: 'recovered' });
    } finally {
      diagnostics.unsubscribe('redgrid:rate-limit', onDecision);
      diagnostics.unsubscribe('redgrid:degradation', onOutage);
      limiter.dispose();
    }
  });
});
