import type { Reply, ReplyPart } from '../reply.ts';
import type { Check } from './executor.ts';
import type { ApprovalRequest, MetricCheck, VerificationReport } from './types.ts';

/** One metric of a resource as it stands now. */
export interface MetricReading {
  resourceId: string;
  metric: string;
  unit: string;
  value: number;
  threshold?: number;
  /** Past its threshold within the window read. */
  breached: boolean;
}

/**
 * Reads a target's current metrics, for the snapshot taken when an action is proposed and the
 * re-read after it ran. The composition root adapts the metrics sources to it; never rejects.
 */
export interface MetricWatch {
  read(request: { orgId: string; accountIds: readonly string[]; resourceId: string; windowMinutes: number }): Promise<{ readings: MetricReading[]; notes: string[] }>;
}

/** Runs a task later. The default uses a timer; tests pass one they trigger by hand. */
export interface Scheduler {
  schedule(delayMs: number, task: () => Promise<void>): void;
}

export const timerScheduler: Scheduler = {
  schedule(delayMs, task) {
    // unref: a pending verification never keeps a CLI process or a stopping server alive.
    setTimeout(() => void task(), delayMs).unref();
  },
};

/** What was watched at proposal time: every metric of the target, with its value and whether it was past its threshold. */
export function watchFrom(readings: readonly MetricReading[]): MetricCheck[] {
  return readings.map((r) => ({
    resourceId: r.resourceId, metric: r.metric, unit: r.unit, before: r.value, breachedBefore: r.breached,
    ...(r.threshold !== undefined ? { threshold: r.threshold } : {}),
  }));
}

/**
 * The verdict: `improved` when every metric that was past its threshold at proposal time is back
 * under it (and the provider confirms the change took), `not_improved` when one still is or the
 * change did not take, `inconclusive` when there is nothing to compare or nothing could be read.
 */
export function verificationReport(approval: ApprovalRequest, target: Check, readings: readonly MetricReading[], notes: readonly string[], at: string): VerificationReport {
  const watched = approval.watch ?? [];
  const metrics: MetricCheck[] = watched.map((w) => {
    const now = readings.find((r) => r.resourceId === w.resourceId && r.metric === w.metric);
    return { ...w, ...(now ? { after: now.value, breachedAfter: now.breached } : {}) };
  });
  const prompted = metrics.filter((m) => m.breachedBefore);
  const stillBreached = prompted.filter((m) => m.breachedAfter === true);
  const unread = prompted.filter((m) => m.after === undefined);
  const targetLine = `${target.ok ? 'The change is in place' : 'The change has not taken effect'}: ${target.message}`;
  let status: VerificationReport['status'];
  let verdict: string;
  if (approval.execution?.changed === false) {
    // Nothing was changed, so the metrics say nothing about the action; show them, judge nothing.
    status = 'inconclusive';
    verdict = `Dry run: nothing was changed, so there is nothing to verify. ${target.message}`;
  } else if (!target.ok) {
    status = 'not_improved';
    verdict = targetLine;
  } else if (prompted.length === 0) {
    status = 'inconclusive';
    verdict = `${targetLine} No metric of ${approval.action.targetName} was past its threshold when this was proposed, so there is nothing to compare.`;
  } else if (stillBreached.length > 0) {
    status = 'not_improved';
    verdict = `${targetLine} Still past the threshold: ${stillBreached.map(describeCheck).join('; ')}.`;
  } else if (unread.length > 0) {
    status = 'inconclusive';
    verdict = `${targetLine} Could not re-read ${unread.map((m) => m.metric).join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}.`;
  } else {
    status = 'improved';
    verdict = `${targetLine} Back under the threshold: ${prompted.map(describeCheck).join('; ')}.`;
  }
  return { status, at, dueAt: approval.verification?.dueAt ?? at, targetState: { ok: target.ok, message: target.message }, metrics, message: verdict };
}

function describeCheck(check: MetricCheck): string {
  const unit = check.unit === 'Percent' ? '%' : check.unit ? ` ${check.unit}` : '';
  const threshold = check.threshold !== undefined ? `, threshold ${check.threshold}${unit}` : '';
  return `${check.metric} ${format(check.before)}${unit} → ${format(check.after)}${unit}${threshold}`;
}

function format(value: number | undefined): string {
  return value === undefined ? '?' : String(Math.round(value * 100) / 100);
}

/** The follow-up posted in the request's thread once the verification ran. */
export function verificationReply(approval: ApprovalRequest): Reply {
  const report = approval.verification;
  const icon = { scheduled: '⏳', improved: '✅', not_improved: '⚠️', inconclusive: 'ℹ️' }[report?.status ?? 'scheduled'];
  const label = { scheduled: 'scheduled', improved: 'improved', not_improved: 'not improved', inconclusive: 'inconclusive' }[report?.status ?? 'scheduled'];
  const summary = `${icon} Verification of ${approval.action.kind} on ${approval.action.targetName}: ${label}`;
  const parts: ReplyPart[] = [{ kind: 'text', markdown: `${summary}\n${report?.message ?? ''}` }];
  const metrics = report?.metrics.filter((m) => m.before !== undefined || m.after !== undefined) ?? [];
  if (metrics.length > 0) {
    parts.push({ kind: 'facts', title: 'Metrics: when proposed → now', facts: metrics.map((m) => ({ label: m.metric, value: describeCheck(m) })) });
  }
  return { summary, parts };
}
