/** Types for browser.mjs (plain Node ESM, runnable before any TypeScript tooling). */
export const debianChromium: string;
export const chromiumArgs: string[];
export function ensureChromium(options?: { log?: (line: string) => void; timeoutMs?: number }): Promise<string>;
