import type { MetricPoint, MetricSeries } from '../metrics/source.ts';
import { stateClass } from '../stores/resource-state.ts';
import type { CloudResource } from '../stores/graph.ts';
import { sameMetric } from './metric-meanings.ts';

/**
 * Runbook action conditions (`when:` in front matter), per the grammar in docs/runbook-rules.md:
 *
 *   expr    := term ('or' term)*          term := factor ('and' factor)*
 *   factor  := 'not' factor | '(' expr ')' | clause
 *   clause  := subject '.' metric op number ['for' duration]
 *            | subject '.state' ('==' | '!=') word | subject '.state' 'in' '(' word (',' word)* ')'
 *   subject := 'self' | ('dependency' | 'dependent' | 'consumer' | 'producer') '(' type ')'
 *
 * Evaluation is three-valued: a subject that matches nothing, or a metric with no data, is
 * `unknown`, and `unknown` never counts as holding.
 */
export type Relation = 'self' | 'dependency' | 'dependent' | 'consumer' | 'producer';
export type Op = '>' | '>=' | '<' | '<=';

export interface Subject {
  relation: Relation;
  /** The resource type for every relation but `self`. */
  type?: string;
}

export type Condition =
  | { kind: 'or' | 'and'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'metric'; subject: Subject; metric: string; op: Op; value: number; forMinutes?: number; text: string }
  | { kind: 'state'; subject: Subject; negate: boolean; words: string[]; text: string };

export class RuleSyntaxError extends Error {
  constructor(message: string, readonly column: number) {
    super(`${message} at column ${column}`);
    this.name = 'RuleSyntaxError';
  }
}

type Token = { kind: 'word' | 'number' | 'op' | 'punct' | 'duration'; text: string; at: number };

const relations: readonly Relation[] = ['dependency', 'dependent', 'consumer', 'producer'];

/** Parses a condition, or throws RuleSyntaxError saying what was expected where. */
export function parseCondition(source: string): Condition {
  const parser = new Parser(source);
  const condition = parser.expr();
  parser.end();
  return condition;
}

/** Parses without throwing: for validation (zod refinements, ingest reports). */
export function checkCondition(source: string): { ok: true; condition: Condition } | { ok: false; message: string; column: number } {
  try {
    return { ok: true, condition: parseCondition(source) };
  } catch (error) {
    if (error instanceof RuleSyntaxError) return { ok: false, message: error.message, column: error.column };
    throw error;
  }
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly source: string) {
    this.tokens = lexWithMetrics(source);
  }

  expr(): Condition {
    const items = [this.term()];
    while (this.isWord('or')) {
      this.i += 1;
      items.push(this.term());
    }
    return items.length === 1 ? items[0] as Condition : { kind: 'or', items };
  }

  end(): void {
    const t = this.tokens[this.i];
    if (t) throw new RuleSyntaxError(`expected "and", "or" or the end, found "${t.text}"`, t.at);
  }

  private term(): Condition {
    const items = [this.factor()];
    while (this.isWord('and')) {
      this.i += 1;
      items.push(this.factor());
    }
    return items.length === 1 ? items[0] as Condition : { kind: 'and', items };
  }

  private factor(): Condition {
    if (this.isWord('not')) {
      this.i += 1;
      return { kind: 'not', item: this.factor() };
    }
    if (this.isPunct('(')) {
      this.i += 1;
      const inner = this.expr();
      this.expectPunct(')');
      return inner;
    }
    return this.clause();
  }

  private clause(): Condition {
    const start = this.peek();
    const subject = this.subject();
    this.expectPunct('.');
    const name = this.next('a metric name or "state"');
    if (name.kind !== 'word') throw new RuleSyntaxError(`expected a metric name or "state", found "${name.text}"`, name.at);
    if (name.text === 'state') {
      const op = this.next('"==", "!=" or "in"');
      if (op.kind === 'op' && (op.text === '==' || op.text === '!=')) {
        const word = this.word('a state word');
        return { kind: 'state', subject, negate: op.text === '!=', words: [word], text: this.slice(start, this.tokens[this.i - 1]) };
      }
      if (op.kind === 'word' && op.text === 'in') {
        this.expectPunct('(');
        const words = [this.word('a state word')];
        while (this.isPunct(',')) {
          this.i += 1;
          words.push(this.word('a state word'));
        }
        this.expectPunct(')');
        return { kind: 'state', subject, negate: false, words, text: this.slice(start, this.tokens[this.i - 1]) };
      }
      throw new RuleSyntaxError(`expected "==", "!=" or "in" after .state, found "${op.text}"`, op.at);
    }
    const op = this.next('a comparison (>, >=, <, <=)');
    if (op.kind !== 'op' || !['>', '>=', '<', '<='].includes(op.text)) throw new RuleSyntaxError(`expected a comparison (>, >=, <, <=) after ${name.text}, found "${op.text}"`, op.at);
    const value = this.next('a number');
    if (value.kind !== 'number') throw new RuleSyntaxError(`expected a number after ${op.text}, found "${value.text}"`, value.at);
    let forMinutes: number | undefined;
    if (this.isWord('for')) {
      this.i += 1;
      const d = this.next('a duration such as 5m or 1h');
      if (d.kind !== 'duration' || !/^\d+[mh]$/.test(d.text)) throw new RuleSyntaxError(`expected a duration such as 5m or 1h after "for", found "${d.text}"`, d.at);
      forMinutes = Number(d.text.slice(0, -1)) * (d.text.endsWith('h') ? 60 : 1);
      if (forMinutes <= 0) throw new RuleSyntaxError('a duration must be at least 1m', d.at);
    }
    return { kind: 'metric', subject, metric: name.text, op: op.text as Op, value: Number(value.text), ...(forMinutes === undefined ? {} : { forMinutes }), text: this.slice(start, this.tokens[this.i - 1]) };
  }

  private subject(): Subject {
    const t = this.next('"self", "dependency(type)", "dependent(type)", "consumer(type)" or "producer(type)"');
    if (t.kind === 'word' && t.text === 'self') return { relation: 'self' };
    if (t.kind === 'word' && (relations as readonly string[]).includes(t.text)) {
      this.expectPunct('(');
      const type = this.next('a resource type');
      if (type.kind !== 'word' || !/^[a-z0-9]+(\.[A-Za-z0-9_-]+)+$/.test(type.text)) throw new RuleSyntaxError(`expected a resource type such as aws.rds.instance, found "${type.text}"`, type.at);
      this.expectPunct(')');
      return { relation: t.text as Relation, type: type.text };
    }
    throw new RuleSyntaxError(`expected "self", "dependency(type)", "dependent(type)", "consumer(type)" or "producer(type)", found "${t.text}"`, t.at);
  }

  private word(what: string): string {
    const t = this.next(what);
    if (t.kind !== 'word' && t.kind !== 'number') throw new RuleSyntaxError(`expected ${what}, found "${t.text}"`, t.at);
    return t.text;
  }

  private next(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) throw new RuleSyntaxError(`expected ${what}, found the end`, this.source.length + 1);
    this.i += 1;
    return t;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isWord(text: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'word' && t.text === text;
  }

  private isPunct(text: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'punct' && t.text === text;
  }

  private expectPunct(text: string): void {
    const t = this.next(`"${text}"`);
    if (t.kind !== 'punct' || t.text !== text) throw new RuleSyntaxError(`expected "${text}", found "${t.text}"`, t.at);
  }

  private slice(start: Token | undefined, end: Token | undefined): string {
    if (!start || !end) return '';
    return this.source.slice(start.at - 1, end.at - 1 + end.text.length).replace(/\s+/g, ' ');
  }
}

/**
 * Tokens, with one twist: after `<subject>.` everything up to the comparison is the metric name,
 * because provider names hold spaces, dots and slashes ("Percentage CPU", "cpu/utilization").
 */
function lexWithMetrics(source: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  const simple = /\s*(?:(>=|<=|==|!=|>|<)|([(),])|(\d+(?:\.\d+)?[mh])(?![\w.])|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w-]*(?:\.[A-Za-z0-9_-]+)*))/y;
  let afterSubject = false;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    if (afterSubject) {
      // The metric (or "state") runs from the dot to the next comparison operator or keyword.
      const rest = source.slice(pos);
      const dot = /^\s*\./.exec(rest);
      if (!dot) {
        afterSubject = false;
        continue;
      }
      const nameStart = pos + dot[0].length;
      out.push({ kind: 'punct', text: '.', at: pos + dot[0].length });
      const tail = source.slice(nameStart);
      const state = /^state(?=\s|==|!=|$)/.exec(tail);
      const end = state ? state[0].length : tail.search(/\s*(>=|<=|==|!=|>|<|\s(in|and|or|for)\b|$)/);
      const name = tail.slice(0, end).trim();
      if (!name) throw new RuleSyntaxError('expected a metric name or "state" after "."', nameStart + 1);
      out.push({ kind: 'word', text: name, at: nameStart + 1 });
      pos = nameStart + end;
      afterSubject = false;
      continue;
    }
    simple.lastIndex = pos;
    const m = simple.exec(source);
    if (!m || m[0].trim() === '') {
      const at = pos + (/^\s*/.exec(source.slice(pos))?.[0].length ?? 0);
      throw new RuleSyntaxError(`unexpected "${source[at] ?? ''}"`, at + 1);
    }
    const at = pos + m[0].length - m[0].trimStart().length + 1;
    if (m[1]) out.push({ kind: 'op', text: m[1], at });
    else if (m[2]) out.push({ kind: 'punct', text: m[2], at });
    else if (m[3]) out.push({ kind: 'duration', text: m[3], at });
    else if (m[4]) out.push({ kind: 'number', text: m[4], at });
    else if (m[5]) {
      // "self.CPU…" lexes as one dotted word: split the subject off.
      const word = m[5];
      if (word === 'self' || word.startsWith('self.')) {
        out.push({ kind: 'word', text: 'self', at });
        pos = at - 1 + 'self'.length;
        afterSubject = true;
        continue;
      }
      out.push({ kind: 'word', text: word, at });
    }
    pos += m[0].length;
    // "dependency(aws.rds.instance)" is followed by ".metric".
    if (m[2] === ')' && /^\s*\./.test(source.slice(pos))) afterSubject = true;
  }
  return out;
}

// ── Evaluation ───────────────────────────────────────────────────────────────

export type Outcome = 'holds' | 'fails' | 'unknown';

/** What a condition is evaluated against: the action's target and the evidence around it. */
export interface RuleContext {
  target: CloudResource;
  /** Direct neighbours of the target by relation (`consumer`/`producer` for queues). */
  related(relation: Exclude<Relation, 'self'>): readonly CloudResource[];
  /** The series of one resource's metric in the window, oldest first; undefined when none was read. */
  series(resourceId: string, metric: string): MetricSeries | undefined;
}

export interface Evaluation {
  outcome: Outcome;
  /** One line per clause: "self.CPUUtilization 92 > 80 for 5m: holds". */
  explanation: string[];
}

export function evaluateCondition(condition: Condition, context: RuleContext): Evaluation {
  const explanation: string[] = [];
  const outcome = evaluate(condition, context, explanation);
  return { outcome, explanation };
}

function evaluate(c: Condition, ctx: RuleContext, out: string[]): Outcome {
  switch (c.kind) {
    case 'and': {
      const results = c.items.map((item) => evaluate(item, ctx, out));
      return results.includes('fails') ? 'fails' : results.includes('unknown') ? 'unknown' : 'holds';
    }
    case 'or': {
      const results = c.items.map((item) => evaluate(item, ctx, out));
      return results.includes('holds') ? 'holds' : results.includes('unknown') ? 'unknown' : 'fails';
    }
    case 'not': {
      const inner = evaluate(c.item, ctx, out);
      return inner === 'holds' ? 'fails' : inner === 'fails' ? 'holds' : 'unknown';
    }
    case 'metric': return metricClause(c, ctx, out);
    case 'state': return stateClause(c, ctx, out);
  }
}

function subjects(subject: Subject, ctx: RuleContext): readonly CloudResource[] {
  if (subject.relation === 'self') return [ctx.target];
  return ctx.related(subject.relation).filter((r) => r.type.toLowerCase() === (subject.type ?? '').toLowerCase());
}

function metricClause(c: Extract<Condition, { kind: 'metric' }>, ctx: RuleContext, out: string[]): Outcome {
  const resources = subjects(c.subject, ctx);
  if (resources.length === 0) {
    out.push(`${c.text}: unknown (no ${c.subject.type ?? 'such'} ${c.subject.relation} of ${ctx.target.name})`);
    return 'unknown';
  }
  const results: Outcome[] = [];
  for (const r of resources) {
    const series = ctx.series(r.id, c.metric);
    const points = series ? windowPoints(series) : [];
    if (points.length === 0) {
      results.push('unknown');
      out.push(`${c.text}: unknown (no ${c.metric} data for ${r.name})`);
      continue;
    }
    const last = points[points.length - 1] as MetricPoint;
    let outcome: Outcome;
    let shown = `${r.name} ${c.metric} ${round(last.v)} ${c.op} ${c.value}`;
    if (c.forMinutes === undefined) {
      outcome = compare(last.v, c.op, c.value) ? 'holds' : 'fails';
    } else {
      const end = Date.parse(last.t);
      const since = end - c.forMinutes * 60_000;
      const stretch = points.filter((p) => Date.parse(p.t) > since);
      const covered = Date.parse((points[0] as MetricPoint).t) <= since + intervalMs(points);
      shown += ` for ${c.forMinutes}m`;
      if (stretch.length === 0 || !covered) outcome = 'unknown';
      else outcome = stretch.every((p) => compare(p.v, c.op, c.value)) ? 'holds' : 'fails';
      if (outcome === 'fails') shown += ` (min ${round(Math.min(...stretch.map((p) => p.v)))}, max ${round(Math.max(...stretch.map((p) => p.v)))})`;
    }
    results.push(outcome);
    out.push(`${shown}: ${outcome}`);
    if (outcome === 'holds') break;
  }
  return results.includes('holds') ? 'holds' : results.includes('unknown') ? 'unknown' : 'fails';
}

function stateClause(c: Extract<Condition, { kind: 'state' }>, ctx: RuleContext, out: string[]): Outcome {
  const resources = subjects(c.subject, ctx);
  if (resources.length === 0) {
    out.push(`${c.text}: unknown (no ${c.subject.type ?? 'such'} ${c.subject.relation} of ${ctx.target.name})`);
    return 'unknown';
  }
  const words = c.words.map((w) => w.toLowerCase());
  for (const r of resources) {
    const state = r.state.toLowerCase();
    // A word may name the state itself (degraded) or its class in the shared vocabulary (troubled).
    const matches = words.includes(state) || words.includes(stateClass(r.provider, r.state));
    const holds = c.negate ? !matches : matches;
    out.push(`${r.name} state ${r.state}${c.negate ? ' !=' : ' in'} (${c.words.join(', ')}): ${holds ? 'holds' : 'fails'}`);
    if (holds) return 'holds';
  }
  return 'fails';
}

/** Points of the window asked for (recorded and live series carry the previous window too). */
function windowPoints(series: MetricSeries): MetricPoint[] {
  if (!series.windowStart) return series.points;
  const start = Date.parse(series.windowStart);
  return series.points.filter((p) => Date.parse(p.t) >= start);
}

function intervalMs(points: readonly MetricPoint[]): number {
  if (points.length < 2) return 60_000;
  return (Date.parse((points[points.length - 1] as MetricPoint).t) - Date.parse((points[0] as MetricPoint).t)) / (points.length - 1);
}

function compare(v: number, op: Op, value: number): boolean {
  switch (op) {
    case '>': return v > value;
    case '>=': return v >= value;
    case '<': return v < value;
    case '<=': return v <= value;
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Finds the series of a metric as the rule spells it among a resource's series. */
export function findSeries(all: readonly MetricSeries[], resourceId: string, metric: string): MetricSeries | undefined {
  const own = all.filter((s) => s.resourceId === resourceId);
  return own.find((s) => s.metric === metric) ?? own.find((s) => sameMetric(s.metric, metric));
}
