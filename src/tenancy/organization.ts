import { z } from 'zod';
import { WebhookSource } from '../alerts/alert.ts';
import { Provider } from '../stores/estate.ts';
import { Role } from '../request.ts';

const id = z.string().trim().min(1).max(128);

export const CloudAccountConfig = z.object({
  provider: Provider,
  accountId: id,
  name: z.string().trim().min(1).max(128),
  /** AWS: the role to assume in this account, with its external id. Credentials are never stored. */
  roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN such as arn:aws:iam::111111111111:role/CloudCompanionRead').optional(),
  externalId: z.string().min(2).max(1224).optional(),
  /** Azure: the Entra tenant of this subscription (DefaultAzureCredential then authenticates there). */
  tenantId: z.string().trim().min(1).max(128).optional(),
  /** Azure: an app registration to use for this subscription; its secret comes from the environment variable named here. */
  clientId: z.string().trim().min(1).max(128).optional(),
  clientSecretEnv: z.string().regex(/^AZURE_CLIENT_SECRET_[A-Z0-9_]+$/, 'must name an environment variable starting with AZURE_CLIENT_SECRET_').optional(),
  /** AWS: the regions the crawler lists (default: CRAWL_AWS_REGIONS, else every region enabled in the account). */
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name such as us-east-1')).min(1).optional(),
}).refine((a) => a.provider === 'aws' || (a.roleArn === undefined && a.externalId === undefined && a.regions === undefined), { message: 'roleArn, externalId and regions apply to AWS accounts only', path: ['roleArn'] })
  .refine((a) => a.provider === 'azure' || (a.tenantId === undefined && a.clientId === undefined && a.clientSecretEnv === undefined), { message: 'tenantId, clientId and clientSecretEnv apply to Azure subscriptions only', path: ['tenantId'] })
  .refine((a) => (a.clientId === undefined) === (a.clientSecretEnv === undefined) && (a.clientId === undefined || a.tenantId !== undefined), { message: 'an Azure client credential needs tenantId, clientId and clientSecretEnv together', path: ['clientId'] });
export type CloudAccountConfig = z.infer<typeof CloudAccountConfig>;

const accountList = z.array(z.string()).describe('account ids, or "*" for every account of the organization');

export const ChannelPolicyConfig = z.object({
  accounts: accountList.default(['*']),
  /** Action kinds that may run here after approval; a new channel is read-only. */
  actions: z.array(z.string()).default([]),
  /** Alert messages posted here start an investigation in their thread. */
  alerts: z.boolean().default(false),
});
export type ChannelPolicyConfig = z.infer<typeof ChannelPolicyConfig>;

/**
 * A credential for `POST /alerts/:source`. Secrets never sit in this file: a bearer token is stored
 * as its SHA-256, or named by the ALERT_SECRET_* variable that holds it; a signing secret (PagerDuty,
 * Grafana HMAC) is always named by its variable. The credential that matches identifies the organization.
 */
export const WebhookCredentialConfig = z.object({
  sources: z.array(z.union([WebhookSource, z.literal('*')])).min(1).default(['*']),
  /** `token`: Authorization Bearer, basic-auth password or `?token=`; `signature`: the provider's HMAC header. */
  kind: z.enum(['token', 'signature']).default('token'),
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the token (e.g. `printf %s "$TOKEN" | sha256sum`)').optional(),
  secretEnv: z.string().regex(/^ALERT_SECRET_[A-Z0-9_]+$/, 'must name an environment variable starting with ALERT_SECRET_').optional(),
  /** Grafana: the signature header (default X-Grafana-Alerting-Signature) and an optional timestamp header. */
  signatureHeader: z.string().regex(/^[A-Za-z0-9-]+$/).optional(),
  timestampHeader: z.string().regex(/^[A-Za-z0-9-]+$/).optional(),
}).refine((c) => (c.tokenSha256 === undefined) !== (c.secretEnv === undefined), { message: 'set exactly one of tokenSha256 and secretEnv', path: ['tokenSha256'] })
  .refine((c) => c.kind === 'token' || (c.secretEnv !== undefined && c.sources.every((s) => s === 'pagerduty' || s === 'grafana')), { message: 'a signature credential needs secretEnv and applies to pagerduty or grafana only', path: ['kind'] });
export type WebhookCredentialConfig = z.infer<typeof WebhookCredentialConfig>;

export const AlertsConfig = z.object({
  /** Where alerts that arrive by webhook are posted, each in its own thread. `workspaceId`: the Slack team (default: the organization's only one). */
  channel: z.object({ platform: z.enum(['slack', 'teams']), channelId: id, workspaceId: id.optional() }).optional(),
  webhooks: z.array(WebhookCredentialConfig).default([]),
});
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/**
 * One person's identities on every surface, so rules about people (four-eyes) hold across them:
 * their Slack user ids, Teams user ids (Entra object ids), the operating-system users that create
 * API keys with the CLI (`keys create` records `cli:<user>`), and API key ids. A key that no person
 * lists counts as the person who created it.
 */
export const PersonConfig = z.object({
  id: id.describe('a name for the person, shown in audit entries'),
  slack: z.array(id).default([]),
  teams: z.array(id).default([]),
  cli: z.array(id).default([]).describe('operating-system user names that created API keys (without the cli: prefix)'),
  apiKeys: z.array(z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex characters, the part after cc_)')).default([]),
});
export type PersonConfig = z.infer<typeof PersonConfig>;

export const OrganizationConfig = z.object({
  id: id.regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  name: z.string().trim().min(1).max(200),
  bindings: z.object({
    slack: z.object({
      teams: z.array(id).default([]),
      enterprises: z.array(id).default([]),
    }).default({ teams: [], enterprises: [] }),
    teams: z.object({ tenants: z.array(id).default([]) }).default({ tenants: [] }),
  }).default({ slack: { teams: [], enterprises: [] }, teams: { tenants: [] } }),
  accounts: z.array(CloudAccountConfig).default([]),
  members: z.array(z.object({
    platform: z.enum(['slack', 'teams', 'cli', 'api']),
    userId: id,
    role: Role,
  })).default([]),
  /** Roles granted to Slack user groups (S… ids) and Entra groups (object ids); membership is read from the platform's directory. */
  groups: z.array(z.object({
    platform: z.enum(['slack', 'teams']),
    groupId: id,
    role: Role,
  })).default([]),
  /** Links a person's identities across surfaces (see PersonConfig); each identity belongs to one person. */
  people: z.array(PersonConfig).default([]).superRefine((people, ctx) => {
    const owners = new Map<string, string>();
    people.forEach((person, index) => {
      if (people.findIndex((p) => p.id === person.id) !== index) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `person "${person.id}" is listed twice` });
      const identities = [...person.slack.map((u) => `Slack user ${u}`), ...person.teams.map((u) => `Teams user ${u}`), ...person.cli.map((u) => `CLI user ${u}`), ...person.apiKeys.map((k) => `API key ${k}`)];
      for (const identity of identities) {
        const owner = owners.get(identity);
        if (owner && owner !== person.id) ctx.addIssue({ code: 'custom', path: [index], message: `${identity} is linked to both "${owner}" and "${person.id}"` });
        owners.set(identity, person.id);
      }
    });
  }),
  defaultRole: Role.default('viewer'),
  channels: z.array(ChannelPolicyConfig.extend({
    platform: z.enum(['slack', 'teams']),
    channelId: id,
  })).default([]),
  defaultChannel: ChannelPolicyConfig.default({ accounts: ['*'], actions: [], alerts: false }),
  alerts: AlertsConfig.default({ webhooks: [] }),
  approvals: z.object({
    /** Four-eyes rule: whoever requested a high-risk action cannot approve it; a second person must. */
    fourEyes: z.boolean().default(false),
  }).default({ fourEyes: false }),
  /** Periodic crawls of the accounts into the resource graph (docs/crawlers.md); default: CRAWL_INTERVAL_MINUTES. */
  crawl: z.object({
    /** 0 turns the periodic crawl off for this organization (`cloud-companion crawl` still works). */
    intervalMinutes: z.number().int().min(0).max(10_080).optional(),
  }).optional(),
  /** Demo data loaded into the embedded stores at start, relative to the tenants file. */
  seed: z.object({
    estate: z.string().optional(),
    runbooks: z.string().optional(),
    metrics: z.string().optional(),
  }).optional(),
});
export type Organization = z.infer<typeof OrganizationConfig>;

export const TenantsFile = z.object({
  version: z.literal(1),
  organizations: z.array(OrganizationConfig).min(1, 'add at least one organization'),
}).superRefine((file, ctx) => {
  const seen = new Map<string, string>();
  const tokens = new Map<string, string>();
  file.organizations.forEach((org, index) => {
    // A webhook token identifies one organization; the same one in two would be ambiguous.
    org.alerts.webhooks.forEach((credential, w) => {
      const key = credential.tokenSha256 ?? (credential.kind === 'token' ? credential.secretEnv : undefined);
      if (!key) return;
      const owner = tokens.get(key);
      if (owner && owner !== org.id) ctx.addIssue({ code: 'custom', path: ['organizations', index, 'alerts', 'webhooks', w], message: `this webhook token is also used by "${owner}": give each organization its own` });
      tokens.set(key, org.id);
    });
    const keys = [
      ...org.bindings.slack.teams.map((t) => `Slack team ${t}`),
      ...org.bindings.slack.enterprises.map((e) => `Slack enterprise ${e}`),
      ...org.bindings.teams.tenants.map((t) => `Teams tenant ${t}`),
    ];
    if (file.organizations.findIndex((o) => o.id === org.id) !== index) {
      ctx.addIssue({ code: 'custom', path: ['organizations', index, 'id'], message: `organization id "${org.id}" is used twice` });
    }
    for (const key of keys) {
      const owner = seen.get(key);
      if (owner) ctx.addIssue({ code: 'custom', path: ['organizations', index, 'bindings'], message: `${key} is bound to both "${owner}" and "${org.id}"` });
      seen.set(key, org.id);
    }
  });
});
export type TenantsFile = z.infer<typeof TenantsFile>;
