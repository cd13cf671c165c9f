import { tool, type StructuredTool } from '@langchain/core/tools';
import type { CompanionTool } from './tool.ts';

/**
 * Wraps a companion tool for a LangChain agent. The model sees the schema and the budgeted text;
 * the request context stays in the closure, out of the model's reach.
 */
export function toLangChainTool(companionTool: CompanionTool): StructuredTool {
  return tool(
    async (input: unknown) => {
      const parsed = companionTool.schema.parse(input);
      return companionTool.toText(await companionTool.run(parsed));
    },
    { name: companionTool.name, description: companionTool.description, schema: companionTool.schema },
  ) as unknown as StructuredTool;
}
