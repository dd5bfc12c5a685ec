import { describe, expect, it } from 'vitest';
import { type BackendProbe, selectBackend } from './select-backend.js';

function probe(overrides: Partial<BackendProbe> = {}): BackendProbe {
  const executables = new Set(['/opt/redis/bin/redis-server', '/opt/redis/bin/redis-cli']);
  return {
    env: {},
    serverOnPath: undefined,
    cliOnPath: undefined,
    isExecutable: (file) => executables.has(file),
    dockerReachable: false,
    ...overrides,
  };
}

describe('selectBackend', () => {
  it('prefers REDIS_SERVER_BIN, with redis-cli next to it', () => {
    expect(
      selectBackend(
        probe({
          env: { REDIS_SERVER_BIN: '/opt/redis/bin/redis-server' },
          serverOnPath: '/usr/bin/redis-server',
          dockerReachable: true,
        }),
      ),
    ).toEqual({
      kind: 'local',
      serverBin: '/opt/redis/bin/redis-server',
      cliBin: '/opt/redis/bin/redis-cli',
      source: 'REDIS_SERVER_BIN',
    });
  });

  it('fails loudly when REDIS_SERVER_BIN is not executable instead of falling back', () => {
    expect(() =>
      selectBackend(
        probe({
          env: { REDIS_SERVER_BIN: '/nope/redis-server' },
          serverOnPath: '/usr/bin/redis-server',
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_HARNESS_BACKEND_CONFIG' }));
  });

  it('uses redis-server on PATH, with redis-cli from PATH when none is beside it', () => {
    expect(
      selectBackend(
        probe({
          serverOnPath: '/usr/bin/redis-server',
          cliOnPath: '/usr/local/bin/redis-cli',
          dockerReachable: true,
        }),
      ),
    ).toEqual({
      kind: 'local',
      serverBin: '/usr/bin/redis-server',
      cliBin: '/usr/local/bin/redis-cli',
      source: 'PATH',
    });
  });

  it('falls back to Testcontainers with the official image when Docker is reachable', () => {
    expect(selectBackend(probe({ dockerReachable: true }))).toEqual({
      kind: 'testcontainers',
      image: 'redis:7.4',
    });
    expect(
      selectBackend(probe({ dockerReachable: true, env: { REDIS_HARNESS_IMAGE: 'redis:8' } })),
    ).toEqual({ kind: 'testcontainers', image: 'redis:8' });
  });

  it('throws one ERR_HARNESS_NO_BACKEND error saying how to get either', () => {
    let caught: unknown;
    try {
      selectBackend(probe());
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'ERR_HARNESS_NO_BACKEND', name: 'HarnessError' });
    const message = (caught as Error).message;
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain('REDIS_SERVER_BIN');
    expect(message).toContain('Docker');
  });

  it('honours REDIS_HARNESS_BACKEND', () => {
    const both = { serverOnPath: '/usr/bin/redis-server', dockerReachable: true };
    expect(
      selectBackend(probe({ ...both, env: { REDIS_HARNESS_BACKEND: 'testcontainers' } })).kind,
    ).toBe('testcontainers');
    expect(selectBackend(probe({ ...both, env: { REDIS_HARNESS_BACKEND: 'local' } })).kind).toBe(
      'local',
    );
    expect(() =>
      selectBackend(probe({ dockerReachable: true, env: { REDIS_HARNESS_BACKEND: 'local' } })),
    ).toThrow(expect.objectContaining({ code: 'ERR_HARNESS_BACKEND_CONFIG' }));
    expect(() =>
      selectBackend(
        probe({
          serverOnPath: '/usr/bin/redis-server',
          env: { REDIS_HARNESS_BACKEND: 'testcontainers' },
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_HARNESS_BACKEND_CONFIG' }));
    expect(() => selectBackend(probe({ env: { REDIS_HARNESS_BACKEND: 'podman' } }))).toThrow(
      expect.objectContaining({ code: 'ERR_HARNESS_BACKEND_CONFIG' }),
    );
  });
});
