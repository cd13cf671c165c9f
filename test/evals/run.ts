/**
 * `npm run eval [-- <scenario prefix>] [--planner-only]`: runs the agent evals.
 *
 * `--planner-only` (or EVAL_MODE=planner): the deterministic planner alone answers every scenario
 * (no model, no script) and its structured diagnosis is scored: cause accuracy, proposal precision
 * and recall, no proposal where none is expected, forbidden proposals. It exits 1 below the gates
 * `npm test` holds it to (cause accuracy 90%, no proposal where none is expected 100%).
 *
 * Without OLLAMA_BASE_URL every scenario plays its scripted tool-calling model (what `npm test`
 * runs), and any failed check exits 1. With OLLAMA_BASE_URL the real model (OLLAMA_MODEL) answers
 * and the run prints the pass rate, LLM calls, tokens and latency per scenario; EVAL_JUDGE_MODEL
 * (an Ollama model) adds a prose score against each scenario's expected elements.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { ollamaChatModel } from '../../src/agent/llm/model.ts';
import { loadScenarios, runScenario, scriptedChoice, type ModelChoice, type ScenarioResult } from './harness.ts';
import { judgeAnswer } from './judge.ts';
import { formatPlannerReport, passesGates, runPlannerScenario, totals, type PlannerResult } from './planner.ts';

const baseUrl = process.env.OLLAMA_BASE_URL;
const modelName = process.env.OLLAMA_MODEL ?? 'qwen2.5:7b-instruct';
const judgeModel = process.env.EVAL_JUDGE_MODEL;

/** The real model, recording what it is sent so the tenant check can read it. */
function ollamaChoice(url: string): ModelChoice {
  const sent = new WeakMap<BaseChatModel, string[]>();
  return {
    name: `ollama ${modelName}`,
    make() {
      const model = ollamaChatModel({ baseUrl: url, model: modelName, numCtx: Number(process.env.OLLAMA_NUM_CTX ?? 8192) });
      const log: string[] = [];
      sent.set(model, log);
      model.callbacks = [{ handleChatModelStart: (_llm: unknown, messages: BaseMessage[][]) => { log.push(...messages.flat().map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))); } }];
      return model;
    },
    inputs: (model) => (sent.get(model) ?? []).join('\n'),
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const plannerOnly = args.includes('--planner-only') || process.env.EVAL_MODE === 'planner';
  const only = args.find((a) => !a.startsWith('--'));
  const scenarios = await loadScenarios(only);
  if (scenarios.length === 0) {
    process.stderr.write(`No scenario matches "${only ?? ''}".\n`);
    return 2;
  }
  if (plannerOnly) {
    process.stdout.write(`Planner-only evals: ${scenarios.length} scenario(s), deterministic planner, no model\n\n`);
    const results: PlannerResult[] = [];
    for (const scenario of scenarios) results.push(await runPlannerScenario(scenario));
    process.stdout.write(`${formatPlannerReport(results)}\n`);
    return passesGates(totals(results)) ? 0 : 1;
  }
  const choice = baseUrl ? ollamaChoice(baseUrl) : scriptedChoice;
  const judge = baseUrl && judgeModel ? ollamaChatModel({ baseUrl, model: judgeModel }) : undefined;
  process.stdout.write(`Agent evals: ${scenarios.length} scenario(s), model: ${choice.name}${judge ? `, judge: ${judgeModel}` : ''}\n\n`);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, choice, {
      ...(judge ? { judge: (answer: string, elements: readonly string[]) => judgeAnswer(judge, answer, elements) } : {}),
      ...(baseUrl ? { env: { OLLAMA_BASE_URL: baseUrl } } : {}),
    });
    results.push(result);
    printResult(result);
  }
  const passed = results.filter((r) => r.pass).length;
  const calls = results.reduce((n, r) => n + r.llmCalls, 0);
  const judged = results.filter((r) => r.judge);
  process.stdout.write(`\nPass rate: ${passed}/${results.length} (${Math.round((100 * passed) / results.length)}%) · LLM calls: ${calls} (${(calls / results.length).toFixed(1)} per scenario)`);
  process.stdout.write(` · tokens: ${sum(results, 'tokensIn')}→${sum(results, 'tokensOut')}${results.some((r) => r.tokensEstimated) ? ' (estimated)' : ''} · latency: ${(sum(results, 'ms') / 1000).toFixed(1)} s`);
  if (judged.length) process.stdout.write(` · judge: ${(judged.reduce((n, r) => n + (r.judge?.score ?? 0), 0) / judged.length).toFixed(2)}`);
  process.stdout.write('\n');
  // The scripted run is a regression test; a real model's run is a measurement.
  return baseUrl || passed === results.length ? 0 : 1;
}

function printResult(r: ScenarioResult): void {
  const mark = r.pass ? 'PASS' : 'FAIL';
  const tokens = `${r.tokensEstimated ? '~' : ''}${r.tokensIn}→${r.tokensOut} tok`;
  const judge = r.judge ? ` · judge ${r.judge.score.toFixed(2)}` : '';
  process.stdout.write(`${mark}  ${r.id.padEnd(40)} ${r.cloud.padEnd(5)} ${r.source.padEnd(14)} ${String(r.llmCalls).padStart(2)} LLM calls · ${tokens} · ${(r.ms / 1000).toFixed(1)} s · ${r.outcome}${judge}\n`);
  for (const check of r.checks.filter((c) => !c.pass)) process.stdout.write(`      ✗ ${check.name}${check.detail ? `: ${check.detail}` : ''}\n`);
  if (r.judge?.missing.length) process.stdout.write(`      judge missed: ${r.judge.missing.join(' | ')}\n`);
}

function sum(results: readonly ScenarioResult[], key: 'tokensIn' | 'tokensOut' | 'ms'): number {
  return results.reduce((n, r) => n + r[key], 0);
}

process.exitCode = await main();
