import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource } from '../stores/graph.ts';
import { stateClass } from '../stores/resource-state.ts';
import type { Health } from './model.ts';

/**
 * A resource's health from what is known: a firing alert or a metric past its threshold is
 * critical, a baseline departure or an odd state a warning; a healthy state with no bad metric is
 * ok; a state nobody recorded is unknown.
 */
export function healthOf(resource: CloudResource, summaries: readonly MetricSummary[], alerting: ReadonlySet<string> = new Set()): { health: Health; note?: string } {
  if (alerting.has(resource.id)) return { health: 'critical', note: 'alert firing' };
  const own = summaries.filter((s) => s.resourceId === resource.id);
  const breach = own.find((s) => s.anomaly);
  if (breach) return { health: 'critical', note: `${breach.metric} ${breach.anomaly ?? ''}`.trim() };
  // One vocabulary for every provider's states (src/stores/resource-state.ts, docs/estate-state.md).
  const cls = stateClass(resource.provider, resource.state);
  if (cls === 'troubled') return { health: 'critical', note: `state ${resource.state}` };
  const departs = own.find((s) => s.baseline?.departs);
  if (departs) return { health: 'warning', note: `${departs.metric} well ${departs.baseline?.direction ?? 'off'} its baseline` };
  if (cls === 'healthy') return { health: 'ok' };
  if (cls === 'unknown' && (resource.state === 'unknown' || resource.state === '')) return { health: own.length > 0 ? 'ok' : 'unknown' };
  return { health: 'warning', note: `state ${resource.state}` };
}
