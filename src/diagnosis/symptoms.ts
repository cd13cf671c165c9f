import { metricRole } from './metric-meanings.ts';
import type { Symptom } from './types.ts';

/**
 * Classifies a question or an alert into symptoms, from its words, the alert's metric and the types
 * of the resources involved. Pure: the same input always gives the same symptoms, in a fixed order.
 */
export interface SymptomInput {
  /** The question, or the alert's title and summary. */
  text: string;
  /** The metric an alert fired on, as the monitoring system spells it. */
  alertMetric?: string;
  /** Types of the resources the question or alert names. */
  resourceTypes: readonly string[];
}

const order: readonly Symptom[] = ['latency', 'errors', 'saturation', 'backlog', 'throttling', 'availability', 'capacity'];

const words: Record<Exclude<Symptom, 'unknown'>, RegExp> = {
  latency: /\b(slow\w*|latenc\w*|lag+y|sluggish|timeouts?|times? out|timing out|timed out|p9[059]|p50|response times?|takes? (too )?long|hang(s|ing)?)\b/i,
  errors: /\b(errors?|5xx|50[0-4]|4xx|fail(s|ing|ed|ures?)?|exceptions?|broken|crash(es|ing)?|erroring|faults?)\b/i,
  saturation: /\b(cpu|memory|mem|ram|saturat\w*|hot|overload\w*|burning|busy|(high|heavy) load|pegged|maxed|oom\w*|utili[sz]ation|dtu|connections?)\b/i,
  backlog: /\b(backlog\w*|queue (depth|length|size)|piling|pile[ds]? up|stuck|lag(ging)?|not (being )?(processed|consumed)|age of oldest|messages? (visible|waiting)|backed up|draining)\b/i,
  throttling: /\b(throttl\w*|rate[- ]limit\w*|429|too many requests|concurrency limit)\b/i,
  availability: /\b(down|unreachable|unresponsive|not responding|status check|health ?checks?|unhealthy|outage|offline|dead|hung|no response|refus\w*|reboot\w*)\b/i,
  capacity: /\b(disk|storage|full|quota|capacity|out of (space|memory)|free space|instances? (missing|short)|scale|scaling|too few|group size)\b/i,
};

export function classifySymptoms(input: SymptomInput): Symptom[] {
  const found = new Set<Symptom>();
  for (const symptom of order) if (words[symptom as Exclude<Symptom, 'unknown'>].test(input.text)) found.add(symptom);
  if (input.alertMetric) {
    // An alert's metric says what is wrong more precisely than its title.
    const types = input.resourceTypes.length ? input.resourceTypes : [''];
    for (const type of types) {
      const { meaning } = metricRole(type, input.alertMetric);
      if (meaning !== 'traffic' && meaning !== 'other' && meaning !== 'unknown') found.add(meaning);
    }
  }
  if (found.size === 0) {
    // Nothing said: a queue's usual trouble is a backlog; anything else stays unknown.
    if (input.resourceTypes.some(isQueueType)) found.add('backlog');
  }
  const ordered = order.filter((s) => found.has(s));
  return ordered.length ? ordered : ['unknown'];
}

/** Queues and topics: their trouble is a backlog, their causes their consumers and producers. */
export function isQueueType(type: string): boolean {
  return /(^aws\.sqs\.|^aws\.sns\.|^aws\.kinesis\.|servicebus|eventhub|^gcp\.pubsub\.|\.queue$|\.topic$|\.subscription$|\.stream$)/i.test(type);
}
