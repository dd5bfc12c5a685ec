import { statSync } from 'node:fs';
import { z } from 'zod';
import type { RedisConfig, RedisConfigInput, TlsOptionsInput } from './redis-config.js';
import { Secret } from './secret.js';

// Every field carries its own message, written as "what is expected; how to fix it", because
// these messages end up verbatim in ConfigError next to the variable name. Zod's default
// messages never echo the input, and none of ours do either, so no secret can leak here.

function integer(message: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = { error: message };
  return z.number(error).int(error).min(min, error).max(max, error);
}

const portSchema = integer('must be an integer from 1 to 65535 (a TCP port)', 1, 65_535);
const hostSchema = z
  .string({ error: 'must be a host name or IP address' })
  .trim()
  .min(1, { error: 'must not be empty; give a host name or IP address' });
const delaySchema = integer('must be an integer number of milliseconds >= 0', 0);
const booleanSchema = z.boolean({ error: 'must be true or false' });
const dbSchema = integer(
  'must be an integer >= 0 (a database index; Redis has 0-15 by default)',
  0,
);

/** Empty text counts as absent (an env var set to "" is how a value is usually cleared). */
const optionalTextSchema = z
  .string({ error: 'must be a string' })
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const optionalSecretSchema = z
  .custom<string | Secret>((value) => typeof value === 'string' || Secret.isInstance(value), {
    error: 'must be a string or a Secret',
  })
  .optional()
  .transform((value) => {
    if (value === undefined || value === '') return undefined;
    return typeof value === 'string' ? new Secret(value) : value;
  });

const addressSchema = z.strictObject(
  { host: hostSchema, port: portSchema },
  { error: 'must be an object { host, port }' },
);

function fileProblem(path: string): string | undefined {
  // The only I/O in @redgrid/core: TLS file paths are checked to exist when the configuration
  // is validated, so a typo fails at startup with the variable's name, not at first connect.
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return `file not found: ${path}; give the path of a PEM file`;
  if (!stat.isFile()) return `not a regular file: ${path}; give the path of a PEM file`;
  return undefined;
}

const tlsObjectSchema = z
  .strictObject(
    {
      servername: optionalTextSchema,
      rejectUnauthorized: booleanSchema.default(true),
      caPath: optionalTextSchema,
      certPath: optionalTextSchema,
      keyPath: optionalTextSchema,
      ca: optionalTextSchema,
      cert: optionalTextSchema,
      key: optionalSecretSchema,
    },
    { error: 'must be true, false or an object of TLS options' },
  )
  .superRefine((tls, context) => {
    for (const field of ['caPath', 'certPath', 'keyPath'] as const) {
      const path = tls[field];
      const problem = path === undefined ? undefined : fileProblem(path);
      if (problem !== undefined)
        context.addIssue({ code: 'custom', path: [field], message: problem });
    }
    const hasCert = tls.certPath !== undefined || tls.cert !== undefined;
    const hasKey = tls.keyPath !== undefined || tls.key !== undefined;
    if (hasCert && !hasKey) {
      context.addIssue({
        code: 'custom',
        path: ['keyPath'],
        message: 'a client certificate needs its private key; set keyPath (or key) too',
      });
    }
    if (hasKey && !hasCert) {
      context.addIssue({
        code: 'custom',
        path: ['certPath'],
        message: 'a client private key needs its certificate; set certPath (or cert) too',
      });
    }
    for (const [inline, path] of [
      ['ca', 'caPath'],
      ['cert', 'certPath'],
      ['key', 'keyPath'],
    ] as const) {
      if (tls[inline] !== undefined && tls[path] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [inline],
          message: `set either ${inline} (inline PEM) or ${path} (a file), not both`,
        });
      }
    }
  })
  .transform(compact);

// `tls: true` means TLS with defaults, `false` means none. A preprocess (rather than a union
// with z.boolean()) keeps the object's own issues flat instead of nesting them in a union
// issue; its input type is `unknown`, hence the narrowing annotation.
const tlsSchema = (
  z.preprocess(
    (value) => (value === true ? {} : value === false ? undefined : value),
    tlsObjectSchema.optional(),
  ) as z.ZodType<z.output<typeof tlsObjectSchema> | undefined, TlsOptionsInput | boolean>
).optional();

const commonShape = {
  username: optionalTextSchema,
  password: optionalSecretSchema,
  connectTimeoutMs: integer('must be an integer number of milliseconds >= 1', 1).default(10_000),
  commandTimeoutMs: integer(
    'must be an integer number of milliseconds >= 0 (0 disables the deadline)',
    0,
  ).default(5_000),
  family: z
    .union([z.literal(4), z.literal(6)], { error: 'must be 4 (IPv4) or 6 (IPv6)' })
    .default(4),
  keepAlive: booleanSchema.default(true),
  noDelay: booleanSchema.default(true),
  connectionName: z
    .string({ error: 'must be a string' })
    .regex(/^[!-~]*$/, {
      error: 'must be printable ASCII without spaces (Redis rejects other client names)',
    })
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  enableReadyCheck: booleanSchema.default(true),
  maxRetriesPerRequest: integer('must be an integer >= 0, or null to retry forever', 0)
    .nullable()
    .default(3),
  lazyConnect: booleanSchema.default(true),
  maxLoadingTimeoutMs: delaySchema.default(10_000),
  tls: tlsSchema,
  waitReplicas: integer(
    'must be an integer >= 0 (replicas that must confirm each write; 0 turns the fence off)',
    0,
  ).default(0),
  waitTimeoutMs: integer('must be an integer number of milliseconds >= 1', 1).default(1_000),
  autoPipelining: booleanSchema.default(true),
  memoryWarnRatio: z
    .number({ error: 'must be a number greater than 0 and at most 1, e.g. 0.9' })
    .gt(0, { error: 'must be a number greater than 0 and at most 1, e.g. 0.9' })
    .max(1, { error: 'must be a number greater than 0 and at most 1, e.g. 0.9' })
    .default(0.9),
  audit: booleanSchema.default(false),
  auditWrites: booleanSchema.default(false),
  auditKeys: z.enum(['hash', 'plain'], { error: "must be 'hash' or 'plain'" }).default('hash'),
};

const readFromSchema = z.enum(['master', 'replica', 'prefer-replica'], {
  error: "must be 'master', 'replica' or 'prefer-replica'",
});

/**
 * The write fence waits up to `waitTimeoutMs` after the reply, inside the command deadline: a
 * wait as long as the deadline would turn every unconfirmed write into a timeout instead.
 */
function checkWriteFence(
  options: { waitReplicas: number; waitTimeoutMs: number; commandTimeoutMs: number },
  context: z.RefinementCtx,
): void {
  if (options.waitReplicas === 0 || options.commandTimeoutMs === 0) return;
  if (options.waitTimeoutMs >= options.commandTimeoutMs) {
    context.addIssue({
      code: 'custom',
      path: ['waitTimeoutMs'],
      message: `must be shorter than commandTimeoutMs (${options.commandTimeoutMs} ms), which bounds the write and its confirmation together; lower it or raise the command timeout`,
    });
  }
}

const singleSchema = z.strictObject({
  type: z.literal('single'),
  options: z
    .strictObject({
      ...commonShape,
      host: hostSchema.default('localhost'),
      port: portSchema.default(6379),
      db: dbSchema.default(0),
    })
    // prefault: an absent `options` is parsed as {}, so every default applies.
    .prefault({})
    .superRefine(checkWriteFence)
    .transform(compact),
});

const clusterSchema = z.strictObject({
  type: z.literal('cluster'),
  options: z
    .strictObject({
      ...commonShape,
      nodes: z
        .array(addressSchema, { error: 'must be an array of { host, port } seed nodes' })
        .min(1, { error: 'needs at least one seed node { host, port }' }),
      scaleReads: z
        .enum(['master', 'slave', 'all'], { error: "must be 'master', 'slave' or 'all'" })
        .default('master'),
      maxRedirections: integer('must be an integer >= 0', 0).default(16),
      retryDelayOnClusterDownMs: delaySchema.default(300),
      retryDelayOnFailoverMs: delaySchema.default(100),
      enableOfflineQueue: booleanSchema.default(true),
      // Off on a cluster: ioredis retries a cluster pipeline only when all of its commands
      // failed alike, so auto-pipelined commands would surface errors during a failover that
      // single commands ride through (see the connection README).
      autoPipelining: booleanSchema.default(false),
      natMap: z
        .record(z.string(), addressSchema, {
          error: "must map announced 'host:port' strings to { host, port }",
        })
        .optional(),
      readFrom: readFromSchema.optional(),
    })
    .superRefine((options, context) => {
      checkWriteFence(options, context);
      if (options.readFrom !== undefined && options.scaleReads !== 'master') {
        context.addIssue({
          code: 'custom',
          path: ['readFrom'],
          message:
            "set either readFrom or scaleReads, not both (readFrom 'replica' is scaleReads 'slave')",
        });
      }
    })
    .transform(compact),
});

const sentinelSchema = z.strictObject({
  type: z.literal('sentinel'),
  options: z
    .strictObject({
      ...commonShape,
      sentinels: z
        .array(addressSchema, { error: 'must be an array of { host, port } Sentinel addresses' })
        .min(1, { error: 'needs at least one Sentinel { host, port } (three in production)' }),
      name: hostSchema.default('mymaster'),
      db: dbSchema.default(0),
      sentinelUsername: optionalTextSchema,
      sentinelPassword: optionalSecretSchema,
      retryDelayOnFailoverMs: delaySchema.default(100),
      retryDelayOnClusterDownMs: delaySchema.default(300),
      readFrom: readFromSchema.default('master'),
    })
    .superRefine(checkWriteFence)
    .transform(compact),
});

/** Drops keys whose value is undefined, so optional fields are absent rather than undefined. */
function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) result[key] = entry;
  }
  return result as { [K in keyof T]: Exclude<T[K], undefined> };
}

const unionSchema = z.discriminatedUnion('type', [singleSchema, clusterSchema, sentinelSchema], {
  error: "type must be 'single', 'cluster' or 'sentinel'",
});

/**
 * The zod schema behind `defineConfig`: parses a {@link RedisConfigInput} into a
 * {@link RedisConfig} (defaults applied, secrets wrapped). Use it to embed the Redis section in
 * a larger zod schema of your own; otherwise prefer `defineConfig`, which turns zod's issues
 * into one readable `ConfigError`.
 *
 * Gotcha: parsing checks that TLS file paths exist (synchronous `fs.statSync`), so a parse is
 * not pure when TLS paths are set. Unknown option names are rejected, to catch typos.
 */
export const redisConfigSchema: z.ZodType<RedisConfig, RedisConfigInput> = unionSchema;
