import { describe, expect, it } from 'vitest';
import { checkGrounding } from '../../src/agent/llm/grounding.ts';
import { chooseCause, readStructuredChoice, structuredChoiceSchema, structuredMessages } from '../../src/agent/llm/structured.ts';
import { readTextToolCall } from '../../src/agent/llm/text-tool-calls.ts';
import type { Diagnosis } from '../../src/diagnosis/types.ts';
import { scriptedModel } from '../support/scripted-model.ts';

const tools = new Set(['get_metrics', 'search_runbooks', 'propose_action']);

describe('tool calls written as text', () => {
  it('reads a bare JSON call, a ```json fence and Qwen <tool_call> tags', () => {
    expect(readTextToolCall('{"name": "get_metrics", "arguments": {"resource": "checkout-api"}}', tools)).toEqual({ kind: 'call', call: { name: 'get_metrics', args: { resource: 'checkout-api' } } });
    expect(readTextToolCall('```json\n{"name": "search_runbooks", "parameters": {"query": "ecs cpu"}}\n```', tools)).toEqual({ kind: 'call', call: { name: 'search_runbooks', args: { query: 'ecs cpu' } } });
    expect(readTextToolCall('<tool_call>\n{"name": "get_metrics", "arguments": "{\\"resource\\": \\"db\\"}"}\n</tool_call>', tools)).toEqual({ kind: 'call', call: { name: 'get_metrics', args: { resource: 'db' } } });
    expect(readTextToolCall('I will look it up.\n```json\n{"function": {"name": "get_metrics", "arguments": {"resource": "x"}}}\n```', tools)).toMatchObject({ kind: 'call', call: { name: 'get_metrics' } });
  });

  it('refuses a call to a tool that does not exist, or on a turn without tools', () => {
    expect(readTextToolCall('{"name": "delete_everything", "arguments": {}}', tools)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('no tool called "delete_everything"') });
    expect(readTextToolCall('{"name": "get_metrics", "arguments": {}}', new Set())).toMatchObject({ kind: 'refused', reason: expect.stringContaining('no tools are available') });
  });

  it('leaves prose alone, even prose that quotes JSON', () => {
    expect(readTextToolCall('checkout-api is CPU-bound: CPUUtilization 93% over 60 min.', tools)).toEqual({ kind: 'none' });
    const long = `${'The evidence shows the service is saturated and the database is healthy. '.repeat(4)}\n\`\`\`json\n{"name": "get_metrics", "arguments": {}}\n\`\`\``;
    expect(readTextToolCall(long, tools)).toEqual({ kind: 'none' });
    expect(readTextToolCall('{"cpu": 93}', tools)).toEqual({ kind: 'none' });
    expect(readTextToolCall('{not json}', tools)).toEqual({ kind: 'none' });
  });
});

describe('grounding check', () => {
  const evidence = [
    'checkout-api (arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api) CPUUtilization last 92.41 Percent, threshold 80, window 60 min',
    'checkout-alb TargetResponseTime last 2.4 Seconds, threshold 1; runbook ecs-high-cpu § Mitigation',
  ];

  it('keeps statements whose numbers, ids and citations are in the evidence', () => {
    const answer = 'checkout-api CPUUtilization is 92.4%, above its 80% threshold [ecs-high-cpu § Mitigation]. The ALB answers in 2400 ms.';
    expect(checkGrounding(answer, evidence)).toEqual({ text: answer, removed: [] });
  });

  it('removes a sentence with a number the evidence does not hold', () => {
    const result = checkGrounding('CPU is 92.41%. Memory is at 47.5%.', evidence);
    expect(result.text).toBe('CPU is 92.41%.');
    expect(result.removed).toEqual([expect.stringContaining('47.5% is not in the evidence')]);
  });

  it('removes a false comparison ("above 80%" while quoting 31.83%)', () => {
    const result = checkGrounding('CPU is above 80% at 31.83%.', ['CPUUtilization last 31.83, threshold 80']);
    expect(result.text).toBe('');
    expect(result.removed[0]).toContain('says "above 80" but quotes 31.83');
  });

  it('removes ids and runbooks that are not in the evidence', () => {
    const result = checkGrounding('Restart arn:aws:ecs:us-east-1:999999999999:service/prod/other. See [made-up-runbook § Fix]. Keep this.', evidence);
    expect(result.text).toBe('Keep this.');
    expect(result.removed).toHaveLength(2);
    expect(result.removed.join('\n')).toContain('999999999999');
    expect(result.removed.join('\n')).toContain('runbook made-up-runbook');
  });

  it('keeps line structure and small counts', () => {
    const answer = '**Cause**\n- 2 tasks are running\n- CPU 92.41%';
    expect(checkGrounding(answer, evidence).text).toBe(answer);
  });
});

describe('structured mode: the model chooses among the diagnosis\'s hypotheses', () => {
  const diagnosis: Diagnosis = {
    symptoms: ['latency'], verdict: 'ambiguous', ruledOut: [{ resourceId: 'q', resourceName: 'orders-queue', reason: 'backlog 120, below 1000' }], notChecked: [], rules: [],
    hypotheses: [
      { resourceId: 'a', resourceName: 'checkout-api', resourceType: 'aws.ecs.service', metric: 'CPUUtilization', symptom: 'saturation', role: 'subject', score: 0.7, chain: ['checkout-alb TargetResponseTime 2.4 s', 'checkout-api CPUUtilization 92%'], evidence: [], reasons: [] },
      { resourceId: 'd', resourceName: 'checkout-db', resourceType: 'aws.rds.instance', metric: 'CPUUtilization', symptom: 'saturation', role: 'dependency', score: 0.65, chain: ['checkout-db CPUUtilization 88%'], evidence: [], reasons: [] },
    ],
  };

  it('lists the candidates with their chains and asks for JSON that matches the schema', () => {
    const [system, human] = structuredMessages('why is checkout-api slow?', diagnosis, 'evidence text');
    expect(String(system.content)).toContain('Reply with JSON only');
    expect(String(human.content)).toContain('0. checkout-api (aws.ecs.service) CPUUtilization, score 0.70: checkout-alb TargetResponseTime 2.4 s ← checkout-api CPUUtilization 92%');
    expect(String(human.content)).toContain('orders-queue: backlog 120, below 1000');
    expect(structuredChoiceSchema).toMatchObject({ type: 'object', required: expect.arrayContaining(['cause', 'explanation']) });
  });

  it('accepts a listed choice (fenced or not) and refuses JSON off the schema or a candidate not listed', () => {
    expect(readStructuredChoice('{"cause": 1, "explanation": "checkout-db CPU 88% is the bottleneck."}', diagnosis)).toEqual({ ok: true, choice: { cause: 1, explanation: 'checkout-db CPU 88% is the bottleneck.' } });
    expect(readStructuredChoice('```json\n{"cause": null, "explanation": "Neither explains it."}\n```', diagnosis)).toMatchObject({ ok: true, choice: { cause: null } });
    expect(readStructuredChoice('{"cause": 4, "explanation": "x"}', diagnosis)).toEqual({ ok: false, reason: 'the model chose candidate 4, but only 2 were listed' });
    expect(readStructuredChoice('{"choice": 0}', diagnosis)).toMatchObject({ ok: false, reason: expect.stringContaining('did not match the schema') });
    expect(readStructuredChoice('The cause is checkout-api.', diagnosis)).toEqual({ ok: false, reason: 'the model did not answer with JSON' });
  });

  it('passes the JSON schema to the model as Ollama\'s format option', async () => {
    const model = scriptedModel([{ answer: '{"cause": 0, "explanation": "checkout-api CPU 92% slows checkout-alb to 2.4 s."}' }]);
    const outcome = await chooseCause(model, { question: 'why is checkout-api slow?', diagnosis, evidenceText: 'e' });
    expect(outcome).toEqual({ ok: true, choice: { cause: 0, explanation: 'checkout-api CPU 92% slows checkout-alb to 2.4 s.' } });
    expect(model.calls[0]?.options).toMatchObject({ format: structuredChoiceSchema });
  });
});
