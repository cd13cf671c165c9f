import { fingerprintOf, labelsKey, type Alert, type AlertLink, type AlertSeverity } from '../alert.ts';
import { rejected, toNumber, type ParseOutcome } from '../parse.ts';
import { awsRegionCode, resourceIdsInText } from '../resources.ts';
import { severityOf } from './alertmanager.ts';

/**
 * Alerts that an integration posted into a chat channel, after the adapter has flattened the
 * platform's message (Slack attachments and blocks) into plain parts. AWS Chatbot / Amazon Q
 * Developer posts are recognised by their title; anything else is read generically.
 */
export interface ChatAlertMessage {
  /** The posting integration (Slack bot id): part of the fingerprint, so two tools never share a thread. */
  authorId: string;
  authorName?: string;
  /** When it was posted (ISO): each post is an occurrence of its alert. */
  postedAt?: string;
  /** The most prominent line: attachment title or header block. */
  title?: string;
  /** Everything else, in reading order. */
  text: string;
  fields: readonly { title: string; value: string }[];
  links: readonly AlertLink[];
  /** Slack attachment colour: `danger`, `good`, `warning` or a hex colour. */
  color?: string;
}

/** "CloudWatch Alarm | checkout-api-cpu-high | us-east-1 | Account: 111111111111" */
const chatbotTitle = /CloudWatch Alarm\s*\|\s*([^|\n]+?)\s*\|\s*([^|\n]+?)\s*\|\s*Account:\s*(\d{12})/i;

export function parseChatAlert(message: ChatAlertMessage): ParseOutcome {
  const all = [message.title ?? '', message.text, ...message.fields.map((f) => `${f.title}: ${f.value}`)].join('\n');
  if (!all.trim()) return rejected('chat-message', 'text', 'is empty: the message has no text, attachments or blocks to read');
  const chatbot = chatbotTitle.exec(all);
  return { kind: 'alerts', alerts: [chatbot ? chatbotAlert(message, all, chatbot) : genericAlert(message, all)] };
}

/**
 * AWS does not document the layout of its Slack posts, so only the title line is relied on; the
 * state is read from the words ALARM / OK or the colour. The fingerprint is the alarm's ARN, as for
 * SNS deliveries, so the same alarm by both ways lands in one thread.
 */
function chatbotAlert(message: ChatAlertMessage, all: string, match: RegExpExecArray): Alert {
  const [, name = '', regionText = '', account = ''] = match;
  const region = awsRegionCode(regionText) ?? regionText;
  const state = /\bINSUFFICIENT[_ ]DATA\b/.test(all) ? 'INSUFFICIENT_DATA' : /\bALARM\b/.test(all.replace(chatbotTitle, '')) ? 'ALARM' : /\bOK\b/.test(all) ? 'OK' : undefined;
  const resolved = state === 'OK' || (state === undefined && message.color === 'good');
  const reason = /Threshold Crossed:[^\n]*/.exec(all)?.[0];
  const observed = toNumber(/\[(-?[\d.]+) \(/.exec(reason ?? '')?.[1]);
  const metricName = fieldValue(message, /^metric( name)?$/i);
  const threshold = toNumber(fieldValue(message, /^threshold$/i));
  return {
    source: 'aws-chatbot',
    fingerprint: fingerprintOf('cloudwatch', `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`),
    status: resolved ? 'resolved' : 'firing',
    severity: 'unknown',
    ...(state ? { severityRaw: state } : {}),
    title: name,
    ...(reason ? { summary: reason } : {}),
    resources: resourceIdsInText(all),
    ...(metricName ? { metric: { name: metricName, ...(threshold !== undefined ? { threshold } : {}), ...(observed !== undefined ? { observed } : {}) } } : {}),
    links: [...message.links],
    ...(message.postedAt ? (resolved ? { endedAt: message.postedAt } : { startedAt: message.postedAt }) : {}),
    raw: message,
  };
}

const resolvedWords = /\b(resolved|recovered|cleared|ok)\b/i;
const statusNoise = /^(\s*(\[[^\]]*\]|:[a-z0-9_+-]+:|[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}]\uFE0F?|(firing|resolved|recovered|triggered|alarm|alert|ok|cleared)\b:?))+\s*/iu;

/** Any other integration: the first line is the title; resolved if it says so or is green. */
function genericAlert(message: ChatAlertMessage, all: string): Alert {
  const firstLine = (message.title ?? message.text.split('\n').find((l) => l.trim()) ?? '').trim();
  const title = firstLine.replace(statusNoise, '').trim() || firstLine || 'Alert';
  const resolved = resolvedWords.test(firstLine.slice(0, 80)) || message.color === 'good' || message.color === '#2eb886';
  const severityWord = fieldValue(message, /^(severity|priority)$/i) ?? /\b(critical|warning|error|sev[0-4]|p[1-5])\b/i.exec(firstLine)?.[1];
  return {
    source: 'chat-message',
    fingerprint: fingerprintOf('chat-message', `${message.authorId}:${labelsKey({ title: title.toLowerCase() })}`),
    status: resolved ? 'resolved' : 'firing',
    severity: severityFromWord(severityWord),
    ...(severityWord ? { severityRaw: severityWord } : {}),
    title: title.slice(0, 300),
    ...(message.text && message.text.trim() !== firstLine ? { summary: message.text.slice(0, 2000) } : {}),
    resources: resourceIdsInText(all),
    links: [...message.links],
    ...(message.postedAt ? (resolved ? { endedAt: message.postedAt } : { startedAt: message.postedAt }) : {}),
    raw: message,
  };
}

function severityFromWord(word: string | undefined): AlertSeverity {
  const sev = /^sev([0-4])$/i.exec(word ?? '');
  if (sev) return (['critical', 'error', 'warning', 'info', 'info'] as const)[Number(sev[1])] ?? 'unknown';
  return severityOf(word);
}

function fieldValue(message: ChatAlertMessage, title: RegExp): string | undefined {
  return message.fields.find((f) => title.test(f.title.trim()))?.value.trim() || undefined;
}
