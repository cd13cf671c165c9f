import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Field paths whose values never reach a log line, wherever they appear in an object we log. */
export const redactedPaths = [
  'password', '*.password', 'token', '*.token', 'botToken', '*.botToken', 'signingSecret', '*.signingSecret', 'stateSecret', '*.stateSecret', 'appToken', '*.appToken',
  'secret', '*.secret', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization',
  'headers["x-slack-signature"]', 'headers.cookie', 'clientSecret', '*.clientSecret', 'appPassword', '*.appPassword',
];

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'cloud-companion',
    level: options.level ?? 'info',
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything: for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
