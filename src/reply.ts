import type { ApprovalRequest } from './approvals/types.ts';
import type { CloudResource } from './stores/graph.ts';
import type { ChartImage } from './metrics/chart.ts';
import type { DiagramImage } from './diagrams/render.ts';
import type { MetricSummary } from './metrics/source.ts';
import type { Diagnosis } from './diagnosis/types.ts';

/**
 * A platform-neutral answer: ordered parts that every adapter knows how to render.
 * Nothing here is Slack or Teams specific.
 */
export type ReplyPart =
  | { kind: 'text'; markdown: string }
  | { kind: 'facts'; title?: string; facts: readonly { label: string; value: string }[] }
  | { kind: 'resources'; title: string; resources: readonly ResourceCard[] }
  /** `chart`: a PNG of the most notable series, for adapters that can attach images. */
  | { kind: 'metrics'; title: string; summaries: readonly MetricSummary[]; chart?: ChartImage }
  | { kind: 'citations'; citations: readonly Citation[] }
  | { kind: 'approval'; approval: ApprovalRequest }
  | { kind: 'status'; text: string; degraded: readonly string[] }
  /**
   * `diagram`: a dependency diagram. `image` (PNG) when the picture was asked for, `mermaid` always
   * (shown instead of the picture with `--format mermaid`), `alt` describes it in words.
   */
  | { kind: 'diagram'; title: string; format: 'png' | 'mermaid'; alt: string; mermaid: string; image?: DiagramImage };

/** A picture of a reply (metric chart or diagram) with the title of its part, for adapters that attach files. */
export interface ReplyImage {
  title: string;
  image: ChartImage | DiagramImage;
}

export function replyImages(reply: Reply): ReplyImage[] {
  return reply.parts.flatMap((part) => (part.kind === 'metrics' && part.chart ? [{ title: part.title, image: part.chart }] : part.kind === 'diagram' && part.image ? [{ title: part.title, image: part.image }] : []));
}

export interface ResourceCard {
  resource: CloudResource;
  /** Why the card is here: "named in the question", "depends on checkout-api", … */
  relation?: string;
}

export interface Citation {
  runbookId: string;
  title: string;
  section: string;
  score: number;
}

export interface Reply {
  /** One-line plain-text summary: notification fallback, parent message, CLI header. */
  summary: string;
  parts: ReplyPart[];
  /**
   * The structured diagnosis behind an investigation's answer (symptoms, ranked causes, rules), for
   * the planner-only evals, the API and the agent's evidence pack. Adapters render `parts` only.
   */
  diagnosis?: Diagnosis;
}

export function textReply(summary: string, markdown = summary): Reply {
  return { summary, parts: [{ kind: 'text', markdown }] };
}

/**
 * What a thread remembers of an answer, for follow-up questions: the summary and the main text,
 * cut so a thread's memory stays small.
 */
export function memoryText(reply: Reply, maxChars = 1200): string {
  const main = reply.parts.find((part) => part.kind === 'text');
  const body = main?.kind === 'text' ? main.markdown.trim() : '';
  const full = body && !body.startsWith(reply.summary) ? `${reply.summary}\n${body}` : body || reply.summary;
  return full.length <= maxChars ? full : `${full.slice(0, maxChars - 1)}…`;
}

/**
 * The reply for JSON (HTTP API): each picture's bytes as base64 (`pngBase64`) instead of a byte
 * array, which JSON would spell out one number per byte.
 */
export function jsonReply(reply: Reply): unknown {
  const encode = (image: ChartImage | DiagramImage): Record<string, unknown> => {
    const { png, ...rest } = image;
    return { ...rest, pngBase64: Buffer.from(png).toString('base64') };
  };
  return {
    ...reply,
    parts: reply.parts.map((part) => (part.kind === 'metrics' && part.chart ? { ...part, chart: encode(part.chart) } : part.kind === 'diagram' && part.image ? { ...part, image: encode(part.image) } : part)),
  };
}
