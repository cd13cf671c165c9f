import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

export type Logger = PinoLogger;

/** Field paths whose values never reach a log line, wherever they appear in an object we log. */
export const redactedPaths = [
  'password', '*.password', 'token', '*.token', 'botToken', '*.botToken', 'signingSecret', '*.signingSecret', 'stateSecret', '*.stateSecret', 'appToken', '*.appToken',
  'secret', '*.secret', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization',
  'headers["x-slack-signature"]', 'headers.cookie', 'clientSecret', '*.clientSecret', 'appPassword', '*.appPassword',
];

/**
 * JSON lines for log collectors; readable lines (time, level, message, fields) when stdout is a
 * terminal, or when `pretty` says so. Redaction applies either way: it runs before formatting.
 */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const settings = {
    name: options.name ?? 'cloud-companion',
    level: options.level ?? 'info',
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination as DestinationStream | undefined;
  if (options.pretty ?? process.stdout.isTTY === true) return pino(settings, prettyStream(destination));
  return destination ? pino(settings, destination) : pino(settings);
}

/** pino-pretty in the same thread (no worker start-up), loaded only for a terminal. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => DestinationStream;
  return build({ colorize: destination === undefined, translateTime: 'SYS:HH:MM:ss', ignore: 'name', singleLine: true, sync: true, ...(destination ? { destination } : {}) });
}

/** A logger that drops everything: for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
