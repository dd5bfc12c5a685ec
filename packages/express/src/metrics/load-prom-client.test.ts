import { describe, expect, it } from 'vitest';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency-error.js';
import { loadPromClient } from './load-prom-client.js';

describe('loadPromClient', () => {
  it('loads prom-client when installed', async () => {
    const client = await loadPromClient();
    expect(typeof client.Registry).toBe('function');
  });

  it('names the package to install when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'prom-client'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await loadPromClient(() => Promise.reject(missing)).catch(
      (caught: unknown) => caught,
    );
    expect(MissingPeerDependencyError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_MISSING_PEER_DEPENDENCY',
      packageName: 'prom-client',
    });
    expect(String((error as Error).message)).toMatch(/npm install prom-client/);
  });

  it('passes other import failures through', async () => {
    const broken = new SyntaxError('Unexpected token');
    await expect(loadPromClient(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});
