/**
 * Help in Teams' idiom: the same grammar as `parseCommand` (src/commands.ts), after an @mention in a
 * channel or on its own in a personal chat, answered in the thread.
 */
export const teamsHelpText = [
  '*Cloud Companion* answers questions about your cloud, in the thread. In a channel, @mention me; in a personal chat, just type.',
  '• `@Cloud Companion <question>`: investigate, e.g. `@Cloud Companion why is checkout-api slow?`',
  '• `resource <name>`: one resource and its details (also "tell me about <name>")',
  '• `deps <name>`: what it depends on and what depends on it (also "what depends on <name>")',
  '• `metrics <name> [30m|6h|1d]`: key metrics over a window (default 1h; also "what\'s the CPU of <name>")',
  '• `health <name>`: is it healthy right now (also "is <name> healthy?")',
  '• `impact <name>`: what would break if it went down (also "what would break if <name> went down?")',
  '• `diagram <name|account|all> [--format mermaid]`: a dependency diagram (picture, or Mermaid text)',
  '• `runbook <query>`: search your runbooks',
  '• `approvals`: pending approval requests (also "list approvals")',
  'Only questions about a problem propose actions; everything else only reads.',
  'Replies in the same thread (with an @mention) continue the conversation. Approve and Deny buttons run an action only for people with the role it needs.',
].join('\n');

/** What the placeholder says while a tool runs. */
export function stepLabel(toolName: string): string {
  switch (toolName) {
    case 'find_resources':
      return 'Finding the resources you named…';
    case 'get_dependencies':
      return 'Walking dependencies and the blast radius…';
    case 'get_metrics':
      return 'Reading metrics…';
    case 'search_runbooks':
    case 'get_runbook':
      return 'Searching runbooks…';
    case 'propose_action':
      return 'Preparing an approval request…';
    case 'list_pending_approvals':
      return 'Listing pending approvals…';
    case 'get_diagram':
      return 'Drawing the diagram…';
    case 'similar_resources':
      return 'Looking for similar names…';
    default:
      return `Running ${toolName}…`;
  }
}
