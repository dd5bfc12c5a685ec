import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { md5Words } from './md5.js';
import { murmur3 } from './murmur3.js';

/** A node of a {@link HashRing}: its id and weight. */
export interface HashRingNode {
  /**
   * Stable identity the placement is computed from. Use a logical name (`cache-1`), not an
   * address, unless you need compatibility (ketama mode hashes the id, so there it must be the
   * exact string the other implementation used, usually `host:port`).
   */
  readonly id: string;
  /** Relative capacity. Default 1. */
  readonly weight: number;
}

/** Options of {@link HashRing}. */
export interface HashRingOptions {
  /** Initial nodes; `weight` defaults to 1. Ids must be unique. */
  nodes?: ReadonlyArray<{ id: string; weight?: number }>;
  /**
   * Default mode: points per unit of weight (default 1000, which keeps the most loaded of 10
   * nodes within a few percent of the mean). Ketama mode: MD5 digests per server at the average
   * weight, each giving 4 points (default 40, as libketama).
   */
  virtualNodes?: number;
  /**
   * `'default'`: MurmurHash3 points, `weight * virtualNodes` points per node, so adding or
   * removing a node never changes another node's points (only keys of that node move).
   * `'ketama'`: MD5 points placed exactly as libketama and the npm `hashring` package place
   * them, so a team migrating from them moves no keys; points are shared out by weight among
   * the current servers, so a change of membership also moves a few keys between the others.
   */
  mode?: 'default' | 'ketama';
}

const DEFAULT_VIRTUAL_NODES = 1000;
const KETAMA_VIRTUAL_NODES = 40;
// Points are packed with their owner's index in one float64 (point * 2^21 + owner) to sort
// both with one native typed-array sort; 2^21 owners is far beyond any real ring.
const OWNER_BITS = 2 ** 21;

/**
 * A consistent hash ring: maps keys to nodes so that adding or removing a node moves only the
 * keys it gains or loses (about 1/n of them), unlike `hash % n`, which moves almost all. Use it
 * for client-side partitioning over independent Redis nodes (cache tiers, tenant shards);
 * within a Redis Cluster, use `keySlot` and the cluster's slot map instead.
 *
 * Each node owns many points (virtual nodes) on a 32-bit circle; a key belongs to the first
 * point at or after its hash. Placement depends only on the node ids and weights, not on the
 * order nodes were added. Lookups hash the key (MurmurHash3, or MD5 in ketama mode) and binary
 * search a sorted `Uint32Array`: no allocation, no cache to thrash.
 *
 * Gotcha: keys are hashed as UTF-8 whole. Apply `hashTag` first if related keys must land on
 * the same node (`ring.getNode(hashTag(key))`).
 */
export class HashRing {
  readonly #mode: 'default' | 'ketama';
  readonly #virtualNodes: number;
  #nodes: HashRingNode[] = [];
  // Default mode only: each node's points, computed once per node.
  readonly #pointsById = new Map<string, Uint32Array>();
  #points = new Uint32Array(0);
  #owners = new Uint32Array(0);
  // index[b] = first point >= b << shift: narrows each binary search to a point or two.
  #index = new Uint32Array(2);
  #shift = 31;
  #ownerIds: string[] = [];

  constructor(options: HashRingOptions = {}) {
    const { nodes = [], mode = 'default' } = options;
    const issues: ConfigIssue[] = [];
    if (mode !== 'default' && mode !== 'ketama') {
      issues.push({ variable: 'options.mode', message: "must be 'default' or 'ketama'" });
    }
    const virtualNodes =
      options.virtualNodes ?? (mode === 'ketama' ? KETAMA_VIRTUAL_NODES : DEFAULT_VIRTUAL_NODES);
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1 || virtualNodes > 100_000) {
      issues.push({
        variable: 'options.virtualNodes',
        message: 'must be an integer from 1 to 100000',
      });
    }
    const seen = new Set<string>();
    nodes.forEach((node, index) => {
      const problem = nodeProblem(node.id, node.weight);
      if (problem !== undefined)
        issues.push({
          variable: `options.nodes[${index}].${problem.field}`,
          message: problem.message,
        });
      if (seen.has(node.id)) {
        issues.push({
          variable: `options.nodes[${index}].id`,
          message: `duplicate id ${JSON.stringify(node.id)}; ids must be unique`,
        });
      }
      seen.add(node.id);
    });
    if (issues.length > 0) throw new ConfigError(issues);
    this.#mode = mode;
    this.#virtualNodes = virtualNodes;
    this.#nodes = nodes.map((node) => Object.freeze({ id: node.id, weight: node.weight ?? 1 }));
    this.#rebuild();
  }

  /** The nodes, in the order they were added. */
  get nodes(): readonly HashRingNode[] {
    return this.#nodes;
  }

  /** The number of points on the ring (for sizing and diagnostics). */
  get size(): number {
    return this.#points.length;
  }

  /** The placement mode the ring was created with. */
  get mode(): 'default' | 'ketama' {
    return this.#mode;
  }

  /** The virtual node count in effect (the option, or the mode's default). */
  get virtualNodes(): number {
    return this.#virtualNodes;
  }

  /**
   * The position of `key` on the ring (unsigned 32-bit): MurmurHash3 of its UTF-8 bytes, or the
   * first word of its MD5 in ketama mode. The key belongs to the first point at or after it.
   */
  hashKey(key: string): number {
    return this.#mode === 'ketama' ? (md5Words(key)[0] ?? 0) : murmur3(key);
  }

  /**
   * Every point of the ring in ascending order with its owner: for planning a rebalance arc by
   * arc, or drawing the ring. A fresh array per call (allocates `size` objects): not for hot
   * paths. Owner of a position `h`: the first point with `hash >= h`, else the first point.
   */
  points(): { hash: number; node: string }[] {
    const result: { hash: number; node: string }[] = [];
    for (let index = 0; index < this.#points.length; index++) {
      result.push({
        hash: this.#points[index] ?? 0,
        node: this.#ownerIds[this.#owners[index] ?? 0] ?? '',
      });
    }
    return result;
  }

  /** The node that owns `key`, or undefined when the ring is empty. */
  getNode(key: string): string | undefined {
    const count = this.#points.length;
    if (count === 0) return undefined;
    const position = this.#lowerBound(
      this.#mode === 'ketama' ? (md5Words(key)[0] ?? 0) : murmur3(key),
    );
    return this.#ownerIds[this.#owners[position === count ? 0 : position] ?? 0];
  }

  /**
   * Up to `count` distinct nodes for `key`, in ring order starting with its owner: the owner and
   * the nodes that would take over from it, for placing replicas. Fewer when the ring has
   * fewer nodes (with points).
   */
  getNodes(key: string, count: number): string[] {
    const points = this.#points;
    const total = points.length;
    const wanted = Math.min(count, this.#ownerIds.length);
    const result: string[] = [];
    if (total === 0 || wanted <= 0) return result;
    const low = this.#lowerBound(this.hashKey(key));
    const seen = new Set<number>();
    for (let step = 0; step < total && result.length < wanted; step++) {
      const owner = this.#owners[(low + step) % total] ?? 0;
      if (seen.has(owner)) continue;
      seen.add(owner);
      const id = this.#ownerIds[owner];
      if (id !== undefined) result.push(id);
    }
    return result;
  }

  /**
   * Adds a node. In default mode only keys moving to it change owner. Throws `ConfigError` for
   * a duplicate id or an invalid weight.
   */
  addNode(node: { id: string; weight?: number }): void {
    const problem = nodeProblem(node.id, node.weight);
    if (problem !== undefined)
      throw new ConfigError([{ variable: `node.${problem.field}`, message: problem.message }]);
    if (this.#nodes.some((existing) => existing.id === node.id)) {
      throw new ConfigError([
        {
          variable: 'node.id',
          message: `${JSON.stringify(node.id)} is already on the ring; remove it first to change its weight`,
        },
      ]);
    }
    this.#nodes = [...this.#nodes, Object.freeze({ id: node.id, weight: node.weight ?? 1 })];
    this.#rebuild();
  }

  /** Removes a node; its keys move to the next nodes on the ring. False if it was not there. */
  removeNode(id: string): boolean {
    const index = this.#nodes.findIndex((node) => node.id === id);
    if (index === -1) return false;
    this.#nodes = this.#nodes.filter((node) => node.id !== id);
    this.#pointsById.delete(id);
    this.#rebuild();
    return true;
  }

  /**
   * Counts how many of `keys` each node owns (every node appears, with 0 if it owns none). Use
   * it to check balance on a sample of real keys before and after a change.
   */
  distribution(keys: Iterable<string>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const node of this.#nodes) counts.set(node.id, 0);
    for (const key of keys) {
      const id = this.getNode(key);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Index of the first point >= hash (points.length when there is none). */
  #lowerBound(hash: number): number {
    const points = this.#points;
    const bucket = hash >>> this.#shift;
    let low = this.#index[bucket] ?? 0;
    let high = this.#index[bucket + 1] ?? points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((points[middle] ?? 0) < hash) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #rebuild(): void {
    if (this.#mode === 'ketama') this.#buildKetama();
    else this.#buildDefault();
  }

  #buildDefault(): void {
    // Owners are indexed in id order so that equal points (vanishingly rare) resolve the same
    // way whatever order the nodes were added in.
    const ids = this.#nodes.map((node) => node.id).sort();
    const weights = new Map(this.#nodes.map((node) => [node.id, node.weight]));
    const lists: Uint32Array[] = [];
    let total = 0;
    for (const id of ids) {
      let list = this.#pointsById.get(id);
      if (list === undefined) {
        const count = Math.round((weights.get(id) ?? 1) * this.#virtualNodes);
        list = new Uint32Array(count);
        for (let index = 0; index < count; index++) list[index] = murmur3(`${id}-${index}`);
        this.#pointsById.set(id, list);
      }
      lists.push(list);
      total += list.length;
    }
    this.#install(ids, lists, total);
  }

  #buildKetama(): void {
    // libketama: each server gets floor(weight / totalWeight * 40 * servers) MD5 digests of
    // "<id>-<i>", each digest giving 4 points (its four little-endian words). Computed in double
    // precision like the npm hashring package (libketama and twemproxy use single precision,
    // which gives one digest less or more for a few server counts, e.g. 7 or 14 equal servers).
    const servers = this.#nodes;
    const totalWeight = servers.reduce((sum, node) => sum + node.weight, 0);
    const lists: Uint32Array[] = [];
    let total = 0;
    for (const server of servers) {
      const digests = Math.floor(
        (server.weight / totalWeight) * this.#virtualNodes * servers.length,
      );
      const list = new Uint32Array(digests * 4);
      for (let index = 0; index < digests; index++) {
        const digest = md5Words(`${server.id}-${index}`);
        list.set(digest, index * 4);
      }
      lists.push(list);
      total += list.length;
    }
    // Owners in server-list order: equal points resolve to the earlier server, like hashring's
    // stable sort.
    this.#install(
      servers.map((server) => server.id),
      lists,
      total,
    );
  }

  #install(ids: string[], lists: Uint32Array[], total: number): void {
    const packed = new Float64Array(total);
    let offset = 0;
    lists.forEach((list, owner) => {
      for (const point of list) packed[offset++] = point * OWNER_BITS + owner;
    });
    packed.sort();
    const points = new Uint32Array(total);
    const owners = new Uint32Array(total);
    for (let index = 0; index < total; index++) {
      const value = packed[index] ?? 0;
      const point = Math.floor(value / OWNER_BITS);
      points[index] = point;
      owners[index] = value - point * OWNER_BITS;
    }
    // About one point per index bucket: bits = ceil(log2(points)), between 1 and 20.
    const bits = Math.min(20, Math.max(1, Math.ceil(Math.log2(Math.max(total, 2)))));
    const shift = 32 - bits;
    const index = new Uint32Array((1 << bits) + 1);
    let position = 0;
    for (let bucket = 0; bucket <= 1 << bits; bucket++) {
      const start = bucket * 2 ** shift;
      while (position < total && (points[position] ?? 0) < start) position++;
      index[bucket] = position;
    }
    this.#points = points;
    this.#owners = owners;
    this.#index = index;
    this.#shift = shift;
    // Only nodes that own points can be returned; keep the id table aligned with owner indexes.
    this.#ownerIds = ids;
  }
}

function nodeProblem(id: unknown, weight: unknown): { field: string; message: string } | undefined {
  if (typeof id !== 'string' || id === '')
    return { field: 'id', message: 'must be a non-empty string' };
  if (
    weight !== undefined &&
    (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
  ) {
    return {
      field: 'weight',
      message: 'must be a finite number >= 0 (relative capacity; 0 takes no keys)',
    };
  }
  return undefined;
}
