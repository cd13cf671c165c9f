import type { Reply } from '../reply.ts';

/**
 * What an investigation reports while it runs, so an adapter can post the evidence at once and then
 * update that message as the agent works. Labels are short, plain text, safe to show as they are.
 */
export type ProgressEvent =
  /** The deterministic evidence is gathered: post it now, before any model answers. */
  | { kind: 'evidence'; reply: Reply }
  | { kind: 'tool_started'; callId: string; tool: string; label: string }
  | { kind: 'tool_finished'; callId: string; tool: string; label: string; ok: boolean }
  /** The final reply: replace the evidence message (or post it) with this. */
  | { kind: 'answer'; reply: Reply };

export type ProgressListener = (event: ProgressEvent) => void | Promise<void>;

/** Calls a listener without letting its failure (or slowness) break the investigation. */
export function emitProgress(listener: ProgressListener | undefined, event: ProgressEvent, onError?: (error: unknown) => void): void {
  if (!listener) return;
  try {
    const result = listener(event);
    if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch((error: unknown) => onError?.(error));
  } catch (error) {
    onError?.(error);
  }
}
