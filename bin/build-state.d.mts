/** Types for build-state.mjs (plain Node ESM, so bin/ can run it before any TypeScript tooling). */
export type BuildState = { fresh: true } | { fresh: false; reason?: string };
export const root: string;
export const distDir: string;
export const stampFile: string;
export const runtimeDirs: readonly string[];
export const builtDirs: readonly string[];
export function sourceHashes(dirs?: readonly string[]): Record<string, string | null>;
export function buildState(dirs?: readonly string[]): BuildState;
export function compiledPath(sourceRelative: string): string;
