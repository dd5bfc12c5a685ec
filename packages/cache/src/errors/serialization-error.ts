import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.SerializationError');

/**
 * A value cannot be written to the cache by the configured serializer: the default JSON
 * serializer refuses `Date`, `BigInt`, `Map`, `Set` and `undefined` rather than silently turning
 * them into something else (a string, an error, `{}`), because the value read back would differ
 * from the value written. Fix: convert the value first, or use `richJsonSerializer`, which
 * round-trips those types. Nothing was written. `valueType` names the offending type, `property`
 * the property that held it (empty for the top-level value).
 */
export class SerializationError extends RedGridError {
  readonly [marker] = true;
  /** The refused type, e.g. `Date`, `BigInt`, `Map`, `Set`, `undefined`. */
  readonly valueType: string;
  /** Name of the property (or array index) holding it; '' for the value itself. */
  readonly property: string;

  constructor(
    details: {
      valueType: string;
      property: string;
      serializer: string;
      message?: string;
    },
    options?: ErrorOptions,
  ) {
    const where = details.property === '' ? 'as the value' : `at property "${details.property}"`;
    super(
      'ERR_CACHE_SERIALIZATION',
      details.message ??
        `The ${details.serializer} serializer cannot write a ${details.valueType} ${where}: it would not read back as a ${details.valueType}. Convert it first, or create the cache with { serializer: richJsonSerializer } (round-trips Date, BigInt, Map and Set).`,
      options,
    );
    this.name = 'SerializationError';
    this.valueType = details.valueType;
    this.property = details.property;
  }

  /** True for a `SerializationError` from any copy of the package. */
  static override isInstance(value: unknown): value is SerializationError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
