import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder (the one with package.json), whether this module runs from src/ or
 * compiled from dist/src/: files shipped beside the sources (src/demo, package.json) are read from here.
 */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}: Cloud Companion's files are incomplete; reinstall the package.`);
  }
}

/** A path inside the package, e.g. `fromPackageRoot('src/demo/tenants.yaml')`. */
export function fromPackageRoot(relative: string): string {
  return join(packageRoot, relative);
}
