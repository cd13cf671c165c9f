import { DeterministicPlanner } from './agent/planner.ts';
import type { Investigator } from './agent/investigator.ts';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AgentBounds } from './agent/llm/bounds.ts';
import type { ExecutionTiming } from './approvals/service.ts';
import type { ActionExecutor } from './approvals/executor.ts';
import type { ExecutorCredentials } from './approvals/executors/index.ts';
import type { ApprovalService } from './approvals/service.ts';
import { createApprovalService } from './approvals/setup.ts';
import type { Scheduler } from './approvals/verification.ts';
import { Companion } from './companion.ts';
import type { Config } from './config.ts';
import type { Logger } from './logging.ts';
import { RecordedMetricsSource } from './metrics/recorded.ts';
import type { MetricsSource } from './metrics/source.ts';
import { accountsFrom, createMetricsSources, type MetricsOverrides } from './metrics/setup.ts';
import { createEvidenceSources, loadRecordedEvidence, type EvidenceSources } from './evidence/setup.ts';
import { applyTenantsFile } from './seed/seed.ts';
import { closeStores, type Stores } from './stores/index.ts';
import { createStores } from './stores/select.ts';
import { loadTenantsFile } from './tenancy/tenants-file.ts';
import { GroupDirectories, RoleResolver } from './tenancy/groups.ts';
import { InvestigationSlots } from './agent/slots.ts';

/** Everything one running bot holds, adapters aside. */
export interface Runtime {
  config: Config;
  logger: Logger;
  stores: Stores;
  companion: Companion;
  approvals: ApprovalService;
  metrics: readonly MetricsSource[];
  /** Change and log sources for get_recent_changes and search_logs. */
  evidence: EvidenceSources;
  investigator: Investigator;
  /** One line per backend, for the start-up log and `/readyz`. */
  describe: Record<string, string>;
  /** Where adapters register their group directories (roles granted to Slack user groups, Entra groups). */
  groups: GroupDirectories;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  stores?: Stores;
  executor?: ActionExecutor;
  /** Cloud credentials for the live metrics providers (tests pass static ones). */
  metrics?: MetricsOverrides;
  /** Cloud credentials for the live executor (tests pass static ones). */
  credentials?: ExecutorCredentials;
  /** When verifications run (tests trigger them by hand). */
  scheduler?: Scheduler;
  /** A chat model instead of Ollama's: tests pass a scripted tool-calling model. */
  chatModel?: { model: BaseChatModel; name: string };
  /** An investigator instead of the planner or agent (tests hold investigations open with one). */
  investigator?: Investigator;
  now?: () => Date;
  /** How long each holder of an approved action keeps it before a sweeper takes over (tests shorten it). */
  execution?: Partial<ExecutionTiming>;
  /** How often the approvals sweeper runs (tests shorten it). */
  approvalSweepIntervalMs?: number;
}

export async function createRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const tenantsFile = await loadTenantsFile(config.tenantsFile);
  const stores = overrides.stores ?? await createStores(config, logger);
  try {
    const recorded = new RecordedMetricsSource();
    await applyTenantsFile(tenantsFile, config.tenantsFile, stores, recorded, logger);
    const metrics = await createMetricsSources(config.metrics, recorded, accountsFrom(stores.tenants), overrides.metrics);
    const evidence = await createEvidenceSources(config.metrics, await loadRecordedEvidence(tenantsFile, config.tenantsFile), accountsFrom(stores.tenants), overrides.metrics);
    const groups = new GroupDirectories();
    const roles = new RoleResolver(groups, logger);
    const approvals = createApprovalService(config, stores, metrics, logger, overrides, roles);
    const executor = { name: approvals.executorName };
    // LangChain loads only when a model is configured: the deterministic planner needs none of it.
    const chat = overrides.chatModel
      ?? (config.ollama ? { model: (await import('./agent/llm/model.ts')).ollamaChatModel(config.ollama), name: `ollama ${config.ollama.model}`, url: config.ollama.baseUrl } : undefined);
    const agent = chat ? await Promise.all([import('./agent/llm/investigator.ts'), import('./agent/llm/bounds.ts')]) : undefined;
    const bounds: AgentBounds | undefined = agent ? { ...agent[1].defaultAgentBounds, ...config.agent } : undefined;
    const describe = {
      graph: stores.describe.graph,
      runbooks: stores.describe.runbooks,
      state: stores.describe.state,
      metrics: metrics.map((m) => m.name).join(', '),
      model: chat && bounds
        ? `${chat.name}${'url' in chat ? ` at ${chat.url}` : ''}: LangChain agent, evidence first, at most ${bounds.maxLlmCalls} LLM calls, ${bounds.maxToolCalls} tool calls and ${bounds.timeoutMs / 1000} s per request`
        : 'none (deterministic planner; set OLLAMA_BASE_URL for the LLM agent)',
      executor: executor.name,
      tenants: `${tenantsFile.organizations.length} organization(s) from ${config.tenantsFile}`,
    };
    const planner = new DeterministicPlanner(`Deterministic planner${chat ? '' : ' (no LLM configured: set OLLAMA_BASE_URL for the agent)'} · metrics: ${describe.metrics} · executor: ${executor.name}`);
    const investigator: Investigator = overrides.investigator ?? (chat && agent && bounds
      ? new agent[0].AgentInvestigator({ planner, model: chat.model, modelName: chat.name, ...('url' in chat ? { modelUrl: chat.url } : {}), bounds, tenants: stores.tenants, audit: stores.audit, logger })
      : planner);
    const companion = new Companion({ stores, approvals, metrics, evidence, investigator, logger, roles, slots: new InvestigationSlots(config.maxConcurrentInvestigations) });
    return { config, logger, stores, companion, approvals, metrics, evidence, investigator, describe, groups, close: () => closeStores(stores) };
  } catch (error) {
    await closeStores(stores);
    throw error;
  }
}
