import { describe, expect, it } from 'vitest';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';
import { channelPolicy, roleOf, actionAllowed } from '../../src/tenancy/policy.ts';
import { resolveAmong } from '../../src/tenancy/directory.ts';

const yaml = `
version: 1
organizations:
  - id: acme
    name: Acme
    bindings: { slack: { teams: [T1], enterprises: [E1] } }
    accounts: [{ provider: aws, accountId: "111", name: prod }, { provider: aws, accountId: "222", name: staging }]
    members: [{ platform: slack, userId: U1, role: admin }]
    channels: [{ platform: slack, channelId: C2, accounts: ["222", "999"], actions: ["aws.ecs.*"] }]
  - id: other
    name: Other
    bindings: { slack: { teams: [T2] } }
`;

describe('tenants.yaml', () => {
  it('derives channel policies and roles, failing closed for unknown users', () => {
    const [acme] = parseTenantsYaml(yaml).organizations;
    if (!acme) throw new Error('missing');
    expect(channelPolicy(acme, 'slack', 'C1')).toEqual({ accountIds: ['111', '222'], allowedActions: [], alerts: false });
    expect(channelPolicy(acme, 'slack', 'C2')).toEqual({ accountIds: ['222'], allowedActions: ['aws.ecs.*'], alerts: false });
    expect(roleOf(acme, 'slack', 'U1')).toBe('admin');
    expect(roleOf(acme, 'slack', 'U9')).toBe('viewer');
    expect(actionAllowed(['aws.ecs.*'], 'aws.ecs.scale')).toBe(true);
    expect(actionAllowed(['aws.ecs.*'], 'aws.ec2.reboot')).toBe(false);
    expect(actionAllowed([], 'aws.ecs.scale')).toBe(false);
  });

  it('resolves Enterprise Grid bindings before workspace bindings', () => {
    const { organizations } = parseTenantsYaml(yaml);
    expect(resolveAmong(organizations, 'slack', { slackTeamId: 'T2', slackEnterpriseId: 'E1' })?.id).toBe('acme');
    expect(resolveAmong(organizations, 'slack', { slackTeamId: 'T2' })?.id).toBe('other');
    expect(resolveAmong(organizations, 'slack', { slackTeamId: 'T3' })).toBeUndefined();
    expect(resolveAmong(organizations, 'teams', { slackTeamId: 'T1' })).toBeUndefined();
  });

  it('rejects a workspace bound to two organizations, and names the problem', () => {
    const bad = yaml.replace('teams: [T2]', 'teams: [T1]');
    expect(() => parseTenantsYaml(bad, 'tenants.yaml')).toThrow(/Slack team T1 is bound to both "acme" and "other"/);
  });

  it('reports YAML syntax errors and schema errors with their path', () => {
    expect(() => parseTenantsYaml('version: 1\norganizations: [', 'x.yaml')).toThrow(/x.yaml is not valid YAML/);
    expect(() => parseTenantsYaml('version: 1\norganizations:\n  - id: Bad Id\n    name: x\n', 'x.yaml')).toThrow(/organizations\.0\.id/);
    expect(() => parseTenantsYaml('version: 2\norganizations: []', 'x.yaml')).toThrow(/version/);
  });
});
