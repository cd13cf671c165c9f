import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.ts';

/** What one log call writes, in the given format (undefined: decided by whether stdout is a terminal). */
async function logged(pretty: boolean | undefined, isTTY: boolean): Promise<string> {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value: isTTY, configurable: true });
  try {
    const logger = createLogger({ destination, ...(pretty === undefined ? {} : { pretty }) });
    logger.info({ bound: '127.0.0.1:3000', token: 'xoxb-secret' }, 'Cloud Companion is listening');
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
  return chunks.join('');
}

describe('log format', () => {
  it('writes JSON lines when stdout is not a terminal', async () => {
    const line = JSON.parse((await logged(undefined, false)).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'Cloud Companion is listening', bound: '127.0.0.1:3000', token: '[redacted]' });
  });

  it('writes readable lines on a terminal, still redacted', async () => {
    const text = await logged(undefined, true);
    expect(() => JSON.parse(text.trim())).toThrow();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Cloud Companion is listening \{.*"bound":"127\.0\.0\.1:3000"/);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('xoxb-secret');
  });

  it('lets the caller choose either way', async () => {
    expect(await logged(false, true)).toMatch(/^\{"level":30/);
    expect(await logged(true, false)).toMatch(/INFO: Cloud Companion is listening/);
  });
});
