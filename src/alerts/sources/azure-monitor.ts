import { z } from 'zod';
import { fingerprintOf, type AlertLink, type AlertMetric, type AlertResourceRef, type AlertSeverity } from '../alert.ts';
import { isUrl, rejected, rejectedByZod, toIso, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { azureNameOf } from '../resources.ts';

/**
 * Azure Monitor action-group webhooks in the common alert schema
 * (MicrosoftDocs/azure-monitor-docs articles/azure-monitor/alerts/alerts-common-schema.md): metric,
 * log search and activity log alerts share `data.essentials`; `data.alertContext` depends on the signal.
 */

const Essentials = z.object({
  alertId: z.string().min(1),
  alertRule: z.string().min(1),
  severity: z.string().min(1),
  signalType: z.string().optional(),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  monitoringService: z.string().optional(),
  alertTargetIDs: z.array(z.string()).default([]),
  configurationItems: z.array(z.string()).optional(),
  firedDateTime: z.string().optional(),
  resolvedDateTime: z.string().optional(),
  description: z.string().nullish(),
  targetResourceType: z.string().optional(),
  investigationLink: z.string().optional(),
}).loose();

/** One condition of `alertContext.condition.allOf`: a metric criterion or a log search criterion. */
const Criterion = z.object({
  metricName: z.string().optional(),
  metricNamespace: z.string().optional(),
  operator: z.string().optional(),
  threshold: z.union([z.string(), z.number()]).optional(),
  timeAggregation: z.string().optional(),
  metricValue: z.number().nullish(),
  searchQuery: z.string().optional(),
  metricMeasureColumn: z.string().nullish(),
  linkToSearchResultsUI: z.string().optional(),
  linkToFilteredSearchResultsUI: z.string().optional(),
}).loose();

const AlertContext = z.object({
  conditionType: z.string().optional(),
  condition: z.object({ windowSize: z.string().optional(), allOf: z.array(Criterion).default([]) }).loose().optional(),
}).loose();

const CommonAlert = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema'),
  data: z.object({
    essentials: Essentials,
    alertContext: AlertContext.nullish(),
    customProperties: z.record(z.string(), z.string()).nullish(),
  }),
});

const severities: Record<string, AlertSeverity> = { sev0: 'critical', sev1: 'error', sev2: 'warning', sev3: 'info', sev4: 'info' };

export function parseAzureMonitor({ body }: WebhookPayload): ParseOutcome {
  if (typeof body === 'object' && body !== null && 'schemaId' in body && (body as { schemaId: unknown }).schemaId !== 'azureMonitorCommonAlertSchema') {
    return rejected('azure-monitor', 'schemaId', 'is not azureMonitorCommonAlertSchema: turn on "Enable the common alert schema" for this webhook in the action group');
  }
  const parsed = CommonAlert.safeParse(body);
  if (!parsed.success) return rejectedByZod('azure-monitor', parsed.error);
  const { essentials, alertContext } = parsed.data.data;
  const criterion = alertContext?.condition?.allOf[0];
  const resources: AlertResourceRef[] = essentials.alertTargetIDs.map((id) => ({
    provider: 'azure', id, ...(azureNameOf(id) ? { name: azureNameOf(id) } : {}), ...(essentials.targetResourceType ? { type: essentials.targetResourceType } : {}),
  }));
  const links: AlertLink[] = [];
  if (isUrl(essentials.investigationLink)) links.push({ label: 'Azure alert', url: essentials.investigationLink });
  if (isUrl(criterion?.linkToFilteredSearchResultsUI ?? criterion?.linkToSearchResultsUI)) {
    links.push({ label: 'Log search results', url: (criterion?.linkToFilteredSearchResultsUI ?? criterion?.linkToSearchResultsUI) as string });
  }
  const resolved = essentials.monitorCondition === 'Resolved';
  const startedAt = toIso(essentials.firedDateTime);
  const endedAt = toIso(essentials.resolvedDateTime);
  const metric = criterion ? metricOf(criterion) : undefined;
  return {
    kind: 'alerts',
    alerts: [{
      source: 'azure-monitor',
      // The same alertId for Fired and Resolved of one alert instance.
      fingerprint: fingerprintOf('azure-monitor', essentials.alertId),
      status: resolved ? 'resolved' : 'firing',
      severity: severities[essentials.severity.toLowerCase()] ?? 'unknown',
      severityRaw: essentials.severity,
      title: essentials.alertRule,
      ...(essentials.description ? { summary: essentials.description } : {}),
      resources,
      ...(metric ? { metric } : {}),
      links,
      ...(startedAt ? { startedAt } : {}),
      ...(resolved && endedAt ? { endedAt } : {}),
      raw: body,
    }],
  };
}

function metricOf(criterion: z.infer<typeof Criterion>): AlertMetric | undefined {
  const name = criterion.metricName ?? (criterion.searchQuery ? `log search: ${criterion.metricMeasureColumn ?? 'result count'}` : undefined);
  if (!name) return undefined;
  const threshold = toNumber(criterion.threshold);
  return {
    name,
    ...(criterion.metricNamespace ? { namespace: criterion.metricNamespace } : {}),
    ...(criterion.timeAggregation ? { statistic: criterion.timeAggregation } : {}),
    ...(criterion.operator ? { comparison: criterion.operator } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(typeof criterion.metricValue === 'number' ? { observed: criterion.metricValue } : {}),
  };
}
