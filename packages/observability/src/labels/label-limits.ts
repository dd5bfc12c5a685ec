/** The value a label takes once it has reached its limit of distinct values. */
export const overflowLabelValue = 'other';

/**
 * Bounds the distinct values of every label, so that a publisher that puts something unbounded
 * in a label (a per-tenant limiter name, a custom command) cannot grow the registry without
 * limit: the first `maxValues` distinct values of a label are kept, later ones become `other`.
 * Limits are per label name and shared by every metric that has the label.
 */
export class LabelLimits {
  readonly #maxValues: number;
  readonly #seen = new Map<string, Set<string>>();
  readonly #onOverflow: (label: string) => void;

  constructor(options: { maxValues: number; onOverflow: (label: string) => void }) {
    this.#maxValues = options.maxValues;
    this.#onOverflow = options.onOverflow;
  }

  /** `value` if the label may take it, `other` otherwise. `undefined` stays undefined (no label). */
  admit(label: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    let seen = this.#seen.get(label);
    if (seen === undefined) {
      seen = new Set();
      this.#seen.set(label, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= this.#maxValues) {
      this.#onOverflow(label);
      return overflowLabelValue;
    }
    seen.add(value);
    return value;
  }
}
