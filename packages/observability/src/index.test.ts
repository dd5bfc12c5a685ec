import { describe, expect, it } from 'vitest';
import * as observability from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/observability public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(observability).sort()).toEqual([
      'MalformedMessageError',
      'MissingPeerDependencyError',
      'observeRedGrid',
      'redgridMetrics',
    ]);
  });
});
