import express5 from 'express';
import express4 from 'express4';

/** A function creating an Express application, as both majors export it. */
export type ExpressFactory = typeof express5;

/** Every Express major the adapters support, to run the same HTTP tests against each. */
export const expressVersions: ReadonlyArray<readonly [string, ExpressFactory]> = [
  ['express 5', express5],
  ['express 4', express4],
];
