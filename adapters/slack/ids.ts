/** Shared by the renderer and the click handler, so a button and its handler cannot drift apart. */
export const approveActionId = 'cloud_companion.approve';
export const denyActionId = 'cloud_companion.deny';
/** Undo a succeeded reversible action: proposes the rollback as a new request. */
export const undoActionId = 'cloud_companion.undo';

export const approvalBlockId = (approvalId: string): string => `approval:${approvalId}`;
export const approvalActionsBlockId = (approvalId: string): string => `approval_actions:${approvalId}`;

/** Slack Enterprise Grid safe key: channel ids can be shared across workspaces. */
export function slackWorkspaceKey(enterpriseId: string | undefined, teamId: string | undefined): string {
  return `${enterpriseId ?? ''}:${teamId ?? ''}`;
}
