import { defineSuite } from '../define-suite.js';

// The runner's own floor: what a bare call and a bare awaited call cost here. Other suites
// quote their overhead above these.
export const suite = defineSuite({
  name: 'runner-floor',
  description: 'Cost of a bare synchronous call and of a bare awaited async call',
  kind: 'micro',
  setup() {
    let counter = 0;
    const syncCall = () => {
      counter++;
      return counter;
    };
    const asyncCall = async () => {
      counter++;
      return counter;
    };
    return {
      cases: [
        { name: 'bare sync call', baseline: true, fn: syncCall },
        { name: 'bare awaited async call', fn: asyncCall },
      ],
      notes: (results) =>
        results.map((result) => `${result.name}: ${(1e9 / result.opsPerSecond).toFixed(1)} ns/op`),
    };
  },
});
