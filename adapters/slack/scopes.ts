/**
 * The one list of what the Slack app asks for: the bot scopes (with why each is needed) and the bot
 * events. The OAuth installer (oauth.ts) asks for exactly these; both manifests under manifests/
 * must list exactly these (test/unit/slack-scopes.test.ts fails when they drift, and checks the
 * list against the Web API methods the code calls). Add a scope here, with its reason, when the
 * code calls a method that needs one; remove it when nothing needs it any more.
 */
export const slackBotScopeReasons = {
  commands: 'the /cloud slash command',
  'chat:write': 'chat.postMessage, chat.update, chat.postEphemeral: answers, progress, approval cards, alert posts',
  'chat:write.public': 'alert posts in public channels tenants.yaml names (alerts.channel) before anyone invites the bot there',
  'files:write': 'files.getUploadURLExternal and files.completeUploadExternal: metric charts and diagrams in the thread',
  'app_mentions:read': 'the app_mention event: "@Cloud Companion why is checkout-api slow?"',
  'channels:history': 'the message.channels event: follow-ups in a thread and alert messages in public alert channels',
  'groups:history': 'the message.groups event: the same in private channels',
  'usergroups:read': 'usergroups.users.list: roles granted to Slack user groups (tenants.yaml groups)',
} as const;

export type SlackBotScope = keyof typeof slackBotScopeReasons;

/** The bot scopes, in the order the manifests list them. */
export const slackBotScopes = Object.keys(slackBotScopeReasons) as SlackBotScope[];

/** The bot events both manifests subscribe to. */
export const slackBotEvents = ['app_mention', 'message.channels', 'message.groups'] as const;
