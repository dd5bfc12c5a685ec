/**
 * Whether the installed `@nestjs/terminus` knows the `degraded` indicator status (terminus 12:
 * the check answers 200 with `status: 'degraded'`). Terminus 11 does not: it drops a result
 * whose status it does not know, so there a serving-from-fallback Redis must be reported `up`.
 * Feature-detected once (a terminus 12 indicator session has `degraded()`); true when terminus
 * is not installed, where the result is plain data for the caller.
 */
let detected: Promise<boolean> | undefined;

type TerminusModule = {
  HealthIndicatorService?: new () => { check(key: string): object };
};

function sessionHasDegraded(terminus: TerminusModule): boolean {
  const Service = terminus.HealthIndicatorService;
  if (typeof Service !== 'function') return false;
  try {
    const session = new Service().check('redgrid') as { degraded?: unknown };
    return typeof session.degraded === 'function';
  } catch {
    return false;
  }
}

export function terminusKnowsDegraded(): Promise<boolean> {
  detected ??= import('@nestjs/terminus').then(
    (namespace) => {
      const terminus = namespace as TerminusModule & { default?: TerminusModule };
      return sessionHasDegraded(terminus) || sessionHasDegraded(terminus.default ?? {});
    },
    () => true,
  );
  return detected;
}
