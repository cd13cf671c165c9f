import type { Reply } from '../reply.ts';
import type { CompanionRequest } from '../request.ts';
import type { Toolset } from '../../tools/index.ts';
import type { ConversationMessage } from '../stores/conversations.ts';
import type { ProgressListener } from './progress.ts';

export interface InvestigationInput {
  request: CompanionRequest;
  tools: Toolset;
  /** Earlier turns of this thread, oldest first. */
  history: readonly ConversationMessage[];
  /** Told when evidence is ready, as tools start and finish, and when the answer is ready. */
  onProgress?: ProgressListener;
}

/** Turns a request into a reply: the deterministic planner, or an LLM agent over the same tools. */
export interface Investigator {
  readonly name: string;
  investigate(input: InvestigationInput): Promise<Reply>;
}
