import { pino } from 'pino';
import { redactedPaths, type Logger } from '../../src/logging.ts';

/**
 * A real pino logger (the product's redaction paths, debug level) whose output lines are kept in
 * memory, so a test can assert on what an operator's log would hold.
 */
export function capturingLogger(): { logger: Logger; lines: string[]; text(): string; reset(): void } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug', redact: { paths: redactedPaths, censor: '[redacted]' }, base: undefined }, { write: (line: string) => { lines.push(line); } });
  return { logger, lines, text: () => lines.join(''), reset: () => { lines.length = 0; } };
}
