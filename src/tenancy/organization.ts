import { z } from 'zod';
import { Provider } from '../stores/estate.ts';
import { Role } from '../request.ts';

const id = z.string().trim().min(1).max(128);

export const CloudAccountConfig = z.object({
  provider: Provider,
  accountId: id,
  name: z.string().trim().min(1).max(128),
  /** AWS: the role to assume in this account, with its external id. Credentials are never stored. */
  roleArn: z.string().optional(),
  externalId: z.string().optional(),
});
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
  defaultRole: Role.default('viewer'),
  channels: z.array(ChannelPolicyConfig.extend({
    platform: z.enum(['slack', 'teams']),
    channelId: id,
  })).default([]),
  defaultChannel: ChannelPolicyConfig.default({ accounts: ['*'], actions: [], alerts: false }),
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
  file.organizations.forEach((org, index) => {
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
