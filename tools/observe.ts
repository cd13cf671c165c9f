import { serviceMetrics } from '../src/observability/metrics.ts';
import { inSpan } from '../src/observability/tracing.ts';
import type { CompanionTool } from './tool.ts';
import type { Toolset } from './index.ts';

/**
 * The same toolset, calling `onStart(tool name)` as each tool starts: lets a chat surface show
 * progress ("checking metrics…") while an investigation runs, and times every call for /metrics.
 * An observer that throws is ignored; it must never break the investigation.
 */
export function observeTools(toolset: Toolset, onStart: ((toolName: string) => void) | undefined): Toolset {
  const wrap = (tool: CompanionTool): CompanionTool => ({
    ...tool,
    run: (input) => {
      try {
        onStart?.(tool.name);
      } catch {
        // Progress is cosmetic.
      }
      const stop = serviceMetrics.toolLatency.startTimer({ tool: tool.name });
      return inSpan(`tool ${tool.name}`, { 'companion.tool': tool.name }, () => tool.run(input)).then(
        (output) => {
          stop({ outcome: 'ok' });
          return output;
        },
        (error: unknown) => {
          stop({ outcome: 'error' });
          throw error;
        },
      );
    },
  });
  const entries = Object.entries(toolset).filter(([key]) => key !== 'all').map(([key, tool]) => [key, wrap(tool as CompanionTool)] as const);
  const wrapped = Object.fromEntries(entries) as Omit<Toolset, 'all'>;
  // `all` keeps its own membership (tools outside it, such as the diagram, stay outside).
  const byName = new Map(entries.map(([, tool]) => [tool.name, tool]));
  return { ...wrapped, all: toolset.all.map((tool) => byName.get(tool.name) ?? wrap(tool)) };
}
