import { z } from 'zod';
import { fingerprintOf, type Alert, type AlertMetric, type AlertResourceRef } from '../alert.ts';
import { rejected, rejectedByZod, toIso, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { awsLocationFromArn, awsRegionCode, awsResourcesFromDimensions } from '../resources.ts';

/**
 * AWS CloudWatch alarms delivered by an SNS HTTPS subscription: the SNS envelope
 * (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html) whose `Message` is the
 * alarm as a JSON string (fields as in aws/aws-lambda-go events/testdata/cloudwatch-alarm-sns-payload-*.json).
 * A subscription with raw message delivery on posts the alarm JSON alone; that is accepted too.
 */

const SnsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().optional(),
  Subject: z.string().nullish(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
});

const Dimension = z.object({ name: z.string(), value: z.string() });

const Trigger = z.object({
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  Statistic: z.string().optional(),
  ExtendedStatistic: z.string().optional(),
  Unit: z.string().nullish(),
  Dimensions: z.array(Dimension).default([]),
  ComparisonOperator: z.string().optional(),
  Threshold: z.number().optional(),
  // Metric-math alarms: the metrics that feed the expression.
  Metrics: z.array(z.object({
    Id: z.string().optional(),
    Expression: z.string().optional(),
    Label: z.string().optional(),
    ReturnData: z.boolean().optional(),
    MetricStat: z.object({
      Metric: z.object({ Dimensions: z.array(Dimension).default([]), MetricName: z.string(), Namespace: z.string().optional() }),
      Stat: z.string().optional(),
      Unit: z.string().nullish(),
    }).optional(),
  })).optional(),
}).loose();

const CloudWatchAlarm = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string().optional(),
  Region: z.string().optional(),
  AlarmArn: z.string().optional(),
  OldStateValue: z.string().optional(),
  Trigger: Trigger.optional(),
}).loose();
type CloudWatchAlarm = z.infer<typeof CloudWatchAlarm>;

/** With raw message delivery on, SNS posts the alarm itself and says so in its headers. */
function isRawAlarm(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !('Type' in body) && 'AlarmName' in body && 'NewStateValue' in body;
}

const rawDeliveryHint = 'is missing: this is not an SNS notification envelope. If the body comes from an SNS subscription with raw message delivery on, turn raw message delivery off (aws sns set-subscription-attributes --attribute-name RawMessageDelivery --attribute-value false) or send the CloudWatch alarm JSON itself';

export function parseCloudWatch({ body, headers }: WebhookPayload): ParseOutcome {
  // Raw message delivery: the body is the alarm, SNS's message id is in x-amz-sns-message-id.
  if (isRawAlarm(body)) return alarmOutcome(body, headers['x-amz-sns-message-id'], '');
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && !('Type' in body)) {
    return rejected('cloudwatch', 'Type', rawDeliveryHint);
  }
  const envelope = SnsEnvelope.safeParse(body);
  if (!envelope.success) return rejectedByZod('cloudwatch', envelope.error);
  const sns = envelope.data;
  if (sns.Type === 'SubscriptionConfirmation') {
    if (!sns.SubscribeURL || !sns.Token) return rejected('cloudwatch', sns.SubscribeURL ? 'Token' : 'SubscribeURL', 'is missing');
    return { kind: 'subscription', topicArn: sns.TopicArn, subscribeUrl: sns.SubscribeURL, token: sns.Token };
  }
  if (sns.Type === 'UnsubscribeConfirmation') return { kind: 'ignored', reason: `SNS unsubscribed this endpoint from ${sns.TopicArn}` };
  let message: unknown;
  try {
    message = JSON.parse(sns.Message);
  } catch {
    return rejected('cloudwatch', 'Message', 'is not JSON: subscribe this endpoint to the topic your CloudWatch alarms notify, with raw message delivery off');
  }
  return alarmOutcome(message, sns.MessageId, 'Message');
}

function alarmOutcome(message: unknown, deliveryId: string | undefined, prefix: string): ParseOutcome {
  const alarm = CloudWatchAlarm.safeParse(message);
  if (!alarm.success) return rejectedByZod('cloudwatch', alarm.error, prefix);
  if (alarm.data.NewStateValue === 'INSUFFICIENT_DATA') {
    return { kind: 'ignored', reason: `alarm ${alarm.data.AlarmName} has insufficient data: neither firing nor resolved` };
  }
  return { kind: 'alerts', alerts: [cloudWatchAlert(alarm.data, message)], ...(deliveryId ? { deliveryId } : {}) };
}

/** Also used for alarms that arrive another way (the alarm JSON is the same). */
export function cloudWatchAlert(alarm: CloudWatchAlarm, raw: unknown): Alert {
  const fromArn = awsLocationFromArn(alarm.AlarmArn);
  const region = fromArn.region ?? awsRegionCode(alarm.Region);
  const accountId = fromArn.accountId ?? alarm.AWSAccountId;
  const where = { ...(region ? { region } : {}), ...(accountId ? { accountId } : {}) };
  // The alarm ARN is the same across ALARM → OK → ALARM; older payloads lack it, so rebuild it.
  const alarmArn = alarm.AlarmArn ?? `arn:aws:cloudwatch:${region ?? alarm.Region ?? 'unknown'}:${accountId ?? 'unknown'}:alarm:${alarm.AlarmName}`;
  const { metric, resources } = triggerDetails(alarm, where);
  const observed = observedValue(alarm.NewStateReason);
  const consoleUrl = region ? `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}` : undefined;
  const summary = [alarm.AlarmDescription, alarm.NewStateReason].filter((s): s is string => Boolean(s)).join('\n');
  const startedAt = toIso(alarm.StateChangeTime);
  return {
    source: 'cloudwatch',
    fingerprint: fingerprintOf('cloudwatch', alarmArn),
    status: alarm.NewStateValue === 'OK' ? 'resolved' : 'firing',
    // CloudWatch alarms carry no severity; naming or tags are the only hint, and they are not in the payload.
    severity: 'unknown',
    title: alarm.AlarmName,
    ...(summary ? { summary } : {}),
    resources,
    ...(metric ? { metric: { ...metric, ...(observed !== undefined ? { observed } : {}) } } : {}),
    links: consoleUrl ? [{ label: 'CloudWatch alarm', url: consoleUrl }] : [],
    ...(alarm.NewStateValue === 'OK' ? (startedAt ? { endedAt: startedAt } : {}) : (startedAt ? { startedAt } : {})),
    raw,
  };
}

function triggerDetails(alarm: CloudWatchAlarm, where: { region?: string; accountId?: string }): { metric?: AlertMetric; resources: AlertResourceRef[] } {
  const trigger = alarm.Trigger;
  if (!trigger) return { resources: [] };
  const base = {
    ...(trigger.ComparisonOperator ? { comparison: trigger.ComparisonOperator } : {}),
    ...(trigger.Threshold !== undefined ? { threshold: trigger.Threshold } : {}),
  };
  if (trigger.MetricName) {
    return {
      metric: {
        name: trigger.MetricName, ...base,
        ...(trigger.Namespace ? { namespace: trigger.Namespace } : {}),
        ...(trigger.Statistic ?? trigger.ExtendedStatistic ? { statistic: trigger.Statistic ?? trigger.ExtendedStatistic } : {}),
        ...(trigger.Unit ? { unit: trigger.Unit } : {}),
      },
      resources: awsResourcesFromDimensions(trigger.Namespace, trigger.Dimensions, where),
    };
  }
  // Metric math: the expression is what crossed the threshold; its inputs name the resources.
  const stats = (trigger.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));
  const expression = (trigger.Metrics ?? []).find((m) => m.ReturnData && m.Expression);
  const first = stats[0];
  const resources = stats.flatMap((s) => awsResourcesFromDimensions(s.Metric.Namespace, s.Metric.Dimensions, where))
    .filter((r, i, all) => all.findIndex((o) => (o.id ?? o.name) === (r.id ?? r.name)) === i);
  const name = first?.Metric.MetricName ?? expression?.Label ?? expression?.Expression;
  return {
    ...(name ? { metric: { name, ...base, ...(first?.Metric.Namespace ? { namespace: first.Metric.Namespace } : {}), ...(first?.Stat ? { statistic: first.Stat } : {}) } } : {}),
    resources,
  };
}

/** "Threshold Crossed: 1 out of the last 1 datapoints [95.36 (03/06/15 17:42:00)] was greater…" → 95.36 */
function observedValue(reason: string | undefined): number | undefined {
  const match = /\[(-?[\d.]+(?:E[+-]?\d+)?) \(/i.exec(reason ?? '');
  return toNumber(match?.[1]);
}
