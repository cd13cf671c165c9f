import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Health } from './model.ts';

const healthyStates = new Set(['running', 'available', 'active', 'ok', 'healthy', 'enabled', 'succeeded', 'ready', 'in-use', 'inuse', 'online', 'up']);
const failedStates = /fail|error|stopped|terminated|unhealthy|impaired|degraded|down|unavailable|crash/i;

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
  const state = resource.state.toLowerCase();
  if (failedStates.test(state)) return { health: 'critical', note: `state ${resource.state}` };
  const departs = own.find((s) => s.baseline?.departs);
  if (departs) return { health: 'warning', note: `${departs.metric} well ${departs.baseline?.direction ?? 'off'} its baseline` };
  if (healthyStates.has(state)) return { health: 'ok' };
  if (state === 'unknown' || state === '') return { health: own.length > 0 ? 'ok' : 'unknown' };
  return { health: 'warning', note: `state ${resource.state}` };
}
