import type { Intent } from './request.ts';
import { parseNatural } from './intent/natural.ts';

/**
 * The `/cloud` grammar, shared by every surface: `ask <question>` (the default), `resource <name>`,
 * `deps <name>`, `metrics <name> [window]`, `impact <name>`, `health <name>`, `diagram <target> [--format mermaid]`,
 * `runbook <query>`, `approvals`, `help`. Text that is not a command is read as a natural phrasing of one
 * ("list approvals", "what depends on X", "what would break if X went down?") before it becomes a question.
 */
export function parseCommand(text: string): Intent {
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'help' };
  const [head = '', ...restWords] = trimmed.split(/\s+/);
  const rest = restWords.join(' ');
  // "metrics for X over the last 6h", "deps of X": a command word used in a sentence.
  if (/^(?:of|for|on|about)$/i.test(restWords[0] ?? '')) {
    const natural = parseNatural(trimmed);
    if (natural) return natural;
  }
  switch (head.toLowerCase()) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'ask':
      return rest ? parseNatural(rest) ?? { kind: 'ask', question: rest } : { kind: 'help' };
    case 'resource':
      return rest ? { kind: 'resource', name: rest } : { kind: 'help' };
    case 'deps':
      return rest ? { kind: 'deps', name: rest } : { kind: 'help' };
    case 'impact':
      return rest ? { kind: 'impact', name: rest } : { kind: 'help' };
    case 'health':
      return rest ? { kind: 'health', name: rest } : { kind: 'help' };
    case 'runbook':
      return rest ? { kind: 'runbook', query: rest } : { kind: 'help' };
    case 'approvals':
      return { kind: 'approvals' };
    case 'metrics':
      return parseMetrics(restWords);
    case 'diagram':
      return parseDiagram(restWords);
    default:
      return parseNatural(trimmed) ?? { kind: 'ask', question: trimmed };
  }
}

function parseMetrics(words: string[]): Intent {
  if (words.length === 0) return { kind: 'help' };
  const last = words[words.length - 1] ?? '';
  const window = /^(\d+)(m|h|d)$/i.exec(last);
  if (window && words.length > 1) {
    const amount = Number(window[1]);
    const unit = (window[2] ?? 'm').toLowerCase();
    const minutes = unit === 'd' ? amount * 1440 : unit === 'h' ? amount * 60 : amount;
    return { kind: 'metrics', name: words.slice(0, -1).join(' '), windowMinutes: Math.min(Math.max(minutes, 5), 1440) };
  }
  return { kind: 'metrics', name: words.join(' '), windowMinutes: 60 };
}

/** `diagram <resource|account|all> [--format mermaid|png]` (also `--format=mermaid`, `--mermaid`). */
function parseDiagram(words: string[]): Intent {
  let format: 'png' | 'mermaid' = 'png';
  const target: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const flag = /^--format(?:=(.*))?$/i.exec(word);
    if (flag) {
      const value = (flag[1] ?? words[++i] ?? '').toLowerCase();
      if (value !== 'mermaid' && value !== 'png') return { kind: 'help' };
      format = value;
    } else if (/^--mermaid$/i.test(word)) format = 'mermaid';
    else target.push(word);
  }
  return target.length ? { kind: 'diagram', target: target.join(' '), format } : { kind: 'help' };
}

export const helpText = [
  '*Cloud Companion* answers questions about your cloud, in the thread.',
  '• `/cloud <question>` or `/cloud ask <question>`: investigate, e.g. `/cloud why is checkout-api slow?`',
  '• `/cloud resource <name>`: one resource and its details (also "tell me about <name>")',
  '• `/cloud deps <name>`: what it depends on and what depends on it (also "what depends on <name>")',
  '• `/cloud metrics <name> [30m|6h|1d]`: key metrics over a window (default 1h; also "what\'s the CPU of <name>")',
  '• `/cloud health <name>`: is it healthy right now (also "is <name> healthy?")',
  '• `/cloud impact <name>`: what would break if it went down, up to the user-facing entry points',
  '• `/cloud diagram <resource|account|all> [--format mermaid]`: a dependency diagram (PNG, or Mermaid text)',
  '• `/cloud runbook <query>`: search your runbooks',
  '• `/cloud approvals`: pending approval requests (also "list approvals")',
  'Only questions about a problem propose actions; everything else only reads.',
  'Mention the bot in a channel or thread to ask the same things.',
].join('\n');
