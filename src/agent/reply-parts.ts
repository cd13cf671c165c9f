import { renderMetricChart, type ChartImage } from '../metrics/chart.ts';
import type { SourcedSeries } from '../metrics/read.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { Citation, ReplyPart } from '../reply.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import type { DiagramView } from '../../tools/resource-graph/diagram.ts';

/** Reply parts that command answers and investigations share. */

export function citation(hit: RunbookHit): Citation {
  return { runbookId: hit.chunk.runbookId, title: hit.chunk.title, section: hit.chunk.section, score: Math.round(hit.score * 100) / 100 };
}

/** A chart of the metric that stands out most: past its threshold, else off its baseline, else the first. */
export async function chartOf(summaries: readonly MetricSummary[], sourced: readonly SourcedSeries[]): Promise<ChartImage | undefined> {
  const notable = summaries.find((s) => s.anomaly) ?? summaries.find((s) => s.baseline?.departs) ?? summaries[0];
  const series = notable && sourced.find((s) => s.series.resourceId === notable.resourceId && s.series.metric === notable.metric)?.series;
  return notable && series ? renderMetricChart(series, notable) : undefined;
}

export function diagramPart(title: string, format: 'png' | 'mermaid', view: DiagramView): ReplyPart {
  return { kind: 'diagram', title, format, alt: view.alt, mermaid: view.mermaid, ...(view.image ? { image: view.image } : {}) };
}
