/** The value a label takes once it has reached its limit of distinct values. */
export const overflowLabelValue = 'other';

/** Admits one value of one label: the value itself, `other`, or undefined (no label). */
export type LabelAdmitter = (value: string | undefined) => string | undefined;

/**
 * Bounds the distinct values of every label, so that a publisher that puts something unbounded
 * in a label (a per-tenant limiter name, a custom command) cannot grow the registry without
 * limit: the first `maxValues` distinct values of a label are kept, later ones become `other`.
 * Limits are per label name and shared by every metric that has the label.
 */
export class LabelLimits {
  readonly #maxValues: number;
  readonly #admitters = new Map<string, LabelAdmitter>();
  readonly #onOverflow: (label: string) => void;

  constructor(options: { maxValues: number; onOverflow: (label: string) => void }) {
    this.#maxValues = options.maxValues;
    this.#onOverflow = options.onOverflow;
  }

  /** The admitter of `label` (one per label name, so metrics sharing a label share its limit). */
  admitter(label: string): LabelAdmitter {
    let admit = this.#admitters.get(label);
    if (admit === undefined) {
      const seen = new Set<string>();
      admit = (value) => {
        if (value === undefined || seen.has(value)) return value;
        const text = String(value);
        if (seen.has(text)) return text;
        if (seen.size >= this.#maxValues) {
          this.#onOverflow(label);
          return overflowLabelValue;
        }
        seen.add(text);
        return text;
      };
      this.#admitters.set(label, admit);
    }
    return admit;
  }
}
