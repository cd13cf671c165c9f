import type { RequestContext } from '../../src/request.ts';
import type { CloudResource, ResourceGraph } from '../../src/stores/graph.ts';
import { scopeOf } from '../tool.ts';

/** Finds the one resource a name refers to, inside the request's scope: id, exact name, then mention. */
export async function resolveResource(graph: ResourceGraph, context: RequestContext, name: string): Promise<CloudResource | undefined> {
  const scope = scopeOf(context);
  const byId = await graph.getResource(scope, name);
  if (byId) return byId;
  const candidates = await graph.findResources(scope, { text: name, limit: 10 });
  const exact = candidates.find((r) => r.name.toLowerCase() === name.trim().toLowerCase());
  if (exact) return exact;
  const [mentioned] = await graph.resolveMentions(scope, name, 1);
  return mentioned ?? candidates[0];
}

export function describeResource(r: CloudResource): string {
  const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${r.name} (${r.type}, ${r.provider} ${r.accountId}, ${r.region}, ${r.state})${tags ? ` [${tags}]` : ''} id=${r.id}`;
}
