import { SerializationError } from '../errors/serialization-error.js';

/**
 * Turns cache values into bytes and back. `id` is written into every stored value's header, so
 * values written by different serializers coexist and each is read back by the one that wrote
 * it: give a custom serializer a fixed id from 16 to 255 (0-15 are reserved for RedGrid) and
 * register it on every instance that reads those values (`serializers` option of the cache).
 * `serialize` should throw (ideally a `SerializationError`) for a value it cannot round-trip.
 */
export interface CacheSerializer {
  /** Stable id stored in the header of each value, 1-255; 16-255 for custom serializers. */
  readonly id: number;
  /** Name used in error messages. */
  readonly name: string;
  serialize(value: unknown): Buffer | string;
  deserialize(data: Buffer): unknown;
}

function refuse(
  serializer: string,
  holder: unknown,
  key: string,
  value: unknown,
): SerializationError | undefined {
  // `value` has been through toJSON already (a Date is a string by now): look at the original.
  const original = (holder as Record<string, unknown>)[key] ?? value;
  let valueType: string | undefined;
  if (typeof original === 'bigint') valueType = 'BigInt';
  else if (original instanceof Date) valueType = 'Date';
  else if (original instanceof Map) valueType = 'Map';
  else if (original instanceof Set) valueType = 'Set';
  if (valueType === undefined) return undefined;
  return new SerializationError({ valueType, property: key, serializer });
}

/**
 * The default serializer: plain JSON. Refuses, with a {@link SerializationError}, the values JSON
 * would silently change — `Date` (would read back as a string), `BigInt` (not JSON), `Map` and
 * `Set` (would read back as `{}`) and an `undefined` value — instead of corrupting them. Other
 * JSON rules apply as usual (`undefined` properties are dropped, `NaN` becomes `null`, class
 * instances come back as plain objects). Use {@link richJsonSerializer} to round-trip the
 * refused types.
 */
export const jsonSerializer: CacheSerializer = {
  id: 1,
  name: 'json',
  serialize(value) {
    if (value === undefined) {
      throw new SerializationError({
        valueType: 'undefined',
        property: '',
        serializer: 'json',
      });
    }
    return JSON.stringify(value, function replacer(this: unknown, key, item) {
      if (typeof item === 'object' || typeof item === 'bigint' || typeof item === 'string') {
        const refused = refuse('json', this, key, item);
        if (refused) throw refused;
      }
      return item;
    });
  },
  deserialize(data) {
    return JSON.parse(data.toString('utf8'));
  },
};

const TAG = '$rg';

/**
 * JSON that round-trips `Date`, `BigInt`, `Map` and `Set` (nested anywhere) by writing them as
 * tagged objects (`{"$rg":"Date","v":"2024-01-01T00:00:00.000Z"}`); an object of yours that has
 * its own `$rg` property is escaped, so nothing is misread. Costs about twice plain JSON on both
 * sides; values written by it are not plain JSON for other readers. `undefined` as the whole
 * value is still refused.
 */
export const richJsonSerializer: CacheSerializer = {
  id: 2,
  name: 'rich-json',
  serialize(value) {
    if (value === undefined) {
      throw new SerializationError({
        valueType: 'undefined',
        property: '',
        serializer: 'rich-json',
      });
    }
    return JSON.stringify(value, function replacer(this: unknown, key, item: unknown) {
      // `item` has been through toJSON already (a Date is a string by now): use the original.
      const original = (this as Record<string, unknown>)[key];
      if (typeof original === 'bigint') return { [TAG]: 'BigInt', v: original.toString() };
      if (typeof original !== 'object' || original === null) return item;
      if (original instanceof Date) {
        return {
          [TAG]: 'Date',
          v: Number.isNaN(original.getTime()) ? null : original.getTime(),
        };
      }
      if (original instanceof Map) return { [TAG]: 'Map', v: [...original] };
      if (original instanceof Set) return { [TAG]: 'Set', v: [...original] };
      if (!Array.isArray(item) && typeof item === 'object' && item !== null && TAG in item) {
        return { [TAG]: 'Escaped', v: Object.entries(item) };
      }
      return item;
    });
  },
  deserialize(data) {
    return JSON.parse(data.toString('utf8'), (_key, item: unknown) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
      const record = item as Record<string, unknown>;
      const tag = record[TAG];
      if (typeof tag !== 'string' || !('v' in record)) return item;
      const raw = record.v;
      switch (tag) {
        case 'Date':
          return new Date(typeof raw === 'number' ? raw : Number.NaN);
        case 'BigInt':
          return BigInt(String(raw));
        case 'Map':
          return new Map(raw as Array<[unknown, unknown]>);
        case 'Set':
          return new Set(raw as unknown[]);
        case 'Escaped':
          return Object.fromEntries(raw as Array<[string, unknown]>);
        default:
          return item;
      }
    });
  },
};
