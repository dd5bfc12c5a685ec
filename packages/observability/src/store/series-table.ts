import type { LabelAdmitter } from '../labels/label-limits.js';

/** Label values in the order of a metric's label names; `undefined` leaves a label out. */
export type LabelValues = readonly (string | undefined)[];

/** Labels of one series, label name to value, built once per series. */
export type SeriesLabels = Readonly<Record<string, string>>;

/** One series of a metric: its labels, and whatever its kind aggregates. */
export interface Series {
  readonly labels: SeriesLabels;
}

type Node<Cell> = Map<string | undefined, Node<Cell> | Cell>;

/**
 * The series of one metric, found by their label values without building a key: a tree of maps,
 * one level per label, over the values the label limits admit (so the tree is bounded too). A
 * value already in the tree is found with one map read per label; only a new value goes through
 * the label limits (and a value folded into `other` does, each time, so that it is counted).
 * Nothing is allocated once the series exists: this is the per-command path.
 */
export class SeriesTable<Cell extends Series> {
  readonly #labelNames: readonly string[];
  readonly #admitters: readonly LabelAdmitter[];
  readonly #create: (labels: SeriesLabels) => Cell;
  readonly #root: Node<Cell> = new Map();
  readonly #cells: Cell[] = [];
  readonly #path: Array<string | undefined> = [];

  constructor(
    labelNames: readonly string[],
    admitters: readonly LabelAdmitter[],
    create: (labels: SeriesLabels) => Cell,
  ) {
    this.#labelNames = labelNames;
    this.#admitters = admitters;
    this.#create = create;
  }

  /** The series of `values`, created on first sight. */
  cell(values: LabelValues): Cell {
    const depth = this.#labelNames.length;
    let node: Node<Cell> = this.#root;
    for (let index = 0; index < depth; index++) {
      const raw = values[index];
      // A value seen before is in the tree under itself: no admission needed.
      let next = node.get(raw);
      let value = raw;
      if (next === undefined) {
        value = (this.#admitters[index] as LabelAdmitter)(raw);
        next = node.get(value);
      }
      this.#path[index] = value;
      if (next === undefined) {
        next = index === depth - 1 ? this.#add() : new Map();
        node.set(value, next);
      }
      if (index === depth - 1) return next as Cell;
      node = next as Node<Cell>;
    }
    // A metric without labels has one series.
    let only = this.#cells[0];
    if (only === undefined) only = this.#add();
    return only;
  }

  /** Every series, in the order first seen. */
  cells(): readonly Cell[] {
    return this.#cells;
  }

  #add(): Cell {
    const labels: Record<string, string> = {};
    this.#labelNames.forEach((name, index) => {
      const value = this.#path[index];
      if (value !== undefined) labels[name] = value;
    });
    const cell = this.#create(Object.freeze(labels));
    this.#cells.push(cell);
    return cell;
  }
}
