import type { IngestProgress } from '../stores/graph.ts';

/**
 * A one-line progress bar on stderr for long ingests; silent when stderr is not a terminal (CI,
 * pipes), so logs stay clean.
 */
export function ingestProgressBar(stream: NodeJS.WriteStream = process.stderr): { update(progress: IngestProgress): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update({ phase, done, total }) {
      if (!stream.isTTY || total === 0) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r${phase.padEnd(13)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    done() {
      if (shown) stream.write('\n');
    },
  };
}
