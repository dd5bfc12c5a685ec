import {
  createHealthReport,
  type HealthReport,
  type HealthReportOptions,
} from '@redgrid/connection';
import { ConfigError, type Secret } from '@redgrid/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { constantTimeEqual } from './constant-time-equal.js';

/** Who may read `GET <path>/detailed`. */
export interface DetailedHealthOptions {
  /**
   * Required bearer token (`Authorization: Bearer <token>`), compared in constant time. Keep it
   * in a `Secret` (or an environment variable) so it is never logged.
   */
  token: string | Secret;
  /**
   * Status of a request without the right token: 401 (default, with `WWW-Authenticate: Bearer`)
   * or 404, which hides that the endpoint exists.
   */
  unauthorizedStatus?: 401 | 404;
}

/** Options of {@link healthRouter}. */
export interface HealthRouterOptions extends HealthReportOptions {
  /** Mount path of the basic route; the detailed one is `<path>/detailed`. Default `'/health'`. */
  path?: string;
  /**
   * Access to the detailed route: `true` (default) open to anyone, `false` disabled (falls
   * through to the next handler), or a token requirement. The basic route is always open and
   * shows no details.
   */
  detailed?: boolean | DetailedHealthOptions;
}

/** The handler `healthRouter()` returns, with the report function it serves. */
export interface HealthRouter extends RequestHandler {
  /** The current full report, as `GET <path>/detailed` would serve it. */
  report(): Promise<HealthReport>;
}

function basic(report: HealthReport): unknown {
  return {
    status: report.status,
    timestamp: report.timestamp,
    uptime: report.uptime,
    checks: report.checks.map((check) => ({
      name: check.name,
      status: check.status,
    })),
    overall: report.overall,
  };
}

/**
 * Health endpoints for load balancers and orchestrators: `GET /health` (overall status and one
 * line per check, no details) and `GET /health/detailed` (the full body of DESIGN.md: latency,
 * node count, cluster state, breaker, fallback use per component). Both answer 503 when the
 * service is `unhealthy` and 200 otherwise — `degraded` included, since the service is still
 * serving (from its in-memory fallback). Responses are `Cache-Control: no-store`.
 *
 * Mount it with `app.use(healthRouter({ connection }))` (or under a prefix). It needs no
 * Express import, so Express 4 and 5 both work. No secret can reach the body: nothing is read
 * from the configuration, and the detailed route can require a token.
 *
 * @example
 * app.use(healthRouter({ connection, limiters: { api: apiLimit }, detailed: { token: process.env.HEALTH_TOKEN ?? '' } }));
 */
export function healthRouter(options: HealthRouterOptions): HealthRouter {
  const path = (options.path ?? '/health').replace(/\/+$/, '');
  if (!path.startsWith('/')) {
    throw new ConfigError([
      {
        variable: 'options.path',
        message: `must start with "/", got ${JSON.stringify(path)}`,
      },
    ]);
  }
  const detailedPath = `${path}/detailed`;
  const access = options.detailed ?? true;
  let token: string | undefined;
  if (typeof access === 'object') {
    token = typeof access.token === 'string' ? access.token : access.token.reveal();
    if (typeof token !== 'string' || token.length < 8) {
      throw new ConfigError([
        {
          variable: 'options.detailed.token',
          message:
            'must be a string (or Secret) of at least 8 characters; use `detailed: false` to disable the route',
        },
      ]);
    }
  }
  const unauthorizedStatus = typeof access === 'object' ? (access.unauthorizedStatus ?? 401) : 401;
  const report = () => createHealthReport(options);

  const authorized = (req: Request): boolean => {
    if (token === undefined) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Compare even when the header is missing, so both paths take the same time.
    return constantTimeEqual(match?.[1]?.trim() ?? '', token) && match !== null;
  };

  const send = (res: Response, status: number, body: unknown) => {
    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  };

  const handler = (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const requestPath = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const isBasic = requestPath === path;
    const isDetailed = requestPath === detailedPath;
    if (!isBasic && !isDetailed) {
      next();
      return;
    }
    if (isDetailed) {
      if (access === false) {
        next();
        return;
      }
      if (!authorized(req)) {
        if (unauthorizedStatus === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="health"');
        send(res, unauthorizedStatus, {
          error: unauthorizedStatus === 401 ? 'Unauthorized' : 'Not Found',
        });
        return;
      }
    }
    report().then(
      (result) =>
        send(res, result.overall === 'unhealthy' ? 503 : 200, isDetailed ? result : basic(result)),
      next,
    );
  };

  return Object.assign(handler, { report });
}
