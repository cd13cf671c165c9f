/** A short, plain label for a tool call, for progress updates in the thread. Arguments come from the model: cut and cleaned. */
export function toolLabel(name: string, args: Record<string, unknown>): string {
  const arg = (key: string): string => clean(args[key]);
  switch (name) {
    case 'find_resources':
      return `Searching resources for "${arg('query')}"`;
    case 'get_dependencies':
      return `Walking the dependencies of ${arg('resource')}`;
    case 'get_metrics':
      return `Reading metrics of ${[arg('resource'), ...(Array.isArray(args.resources) ? args.resources.map(clean) : [])].filter(Boolean).join(', ')}${typeof args.windowMinutes === 'number' ? ` (last ${args.windowMinutes} min)` : ''}`;
    case 'get_recent_changes':
      return `Looking for recent changes to ${[arg('resource'), ...(Array.isArray(args.resources) ? args.resources.map(clean) : [])].filter(Boolean).join(', ')}${typeof args.windowMinutes === 'number' ? ` (last ${args.windowMinutes} min)` : ''}`;
    case 'search_logs':
      return `Searching the logs of ${[arg('resource'), ...(Array.isArray(args.resources) ? args.resources.map(clean) : [])].filter(Boolean).join(', ')} for errors${typeof args.windowMinutes === 'number' ? ` (last ${args.windowMinutes} min)` : ''}`;
    case 'search_runbooks':
      return `Searching runbooks for "${arg('query')}"`;
    case 'get_runbook':
      return `Reading runbook ${arg('runbookId')}`;
    case 'propose_action':
      return `Proposing ${arg('kind')} on ${arg('resource')} (needs approval)`;
    case 'list_pending_approvals':
      return 'Listing pending approvals';
    default:
      return `Running ${clean(name)}`;
  }
}

function clean(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const flat = [...text].map((ch) => (ch.charCodeAt(0) < 32 || '`*_~<>|'.includes(ch) ? ' ' : ch)).join('').replace(/\s+/g, ' ').trim();
  return flat.length <= 60 ? flat : `${flat.slice(0, 59)}…`;
}
