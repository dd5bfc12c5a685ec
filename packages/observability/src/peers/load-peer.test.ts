import { describe, expect, it } from 'vitest';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency-error.js';
import { loadPeer } from './load-peer.js';

const details = { packageName: 'prom-client', feature: 'observeRedGrid() for Prometheus' };
const isModule = (candidate: { Registry?: unknown }) => typeof candidate.Registry === 'function';

describe('loadPeer', () => {
  it('loads an installed peer, unwrapping a CommonJS default export', async () => {
    class Registry {}
    expect(await loadPeer(details, async () => ({ Registry }), isModule)).toEqual({ Registry });
    expect(await loadPeer(details, async () => ({ default: { Registry } }), isModule)).toEqual({
      Registry,
    });
  });

  it('names the package to install when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'prom-client'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await loadPeer(details, () => Promise.reject(missing), isModule).catch(
      (caught: unknown) => caught,
    );
    expect(MissingPeerDependencyError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_MISSING_PEER_DEPENDENCY',
      packageName: 'prom-client',
      cause: missing,
    });
    expect(String((error as Error).message)).toMatch(/npm install prom-client/);
  });

  it('passes other import failures through', async () => {
    const broken = new SyntaxError('Unexpected token');
    await expect(loadPeer(details, () => Promise.reject(broken), isModule)).rejects.toBe(broken);
  });
});
