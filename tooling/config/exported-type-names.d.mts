/** The type-only names the module at `indexUrl` exports (`export type { A }`, `export { type B }`), sorted. */
export declare function exportedTypeNames(indexUrl: URL): string[];
