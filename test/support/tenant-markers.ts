/**
 * Strings that only one demo organization's data holds (accounts, clusters, tags, runbook titles,
 * resource names without a look-alike in the other). Both hold a `checkout-api` and a `checkout-db`,
 * so those names are deliberately absent: seeing them proves nothing.
 */
export const onlyIn = {
  demo: ['111111111111', '222222222222', 'prod-cluster', 'demo-gcp-prod', 'aaaaaaaa-0000-0000-0000-000000000001', 'demo-checkout-assets', 'orders-queue', 'ECS service high latency or 5xx behind an ALB', 'checkout-api:41', 'connection pool exhausted'],
  globex: ['333333333333', 'globex-core', 'GX-1042', 'globex-edge-alb', 'Globex storefront checkout errors', 'ledger-db', 'invoice-events', 'globex-prod', 'globex-checkout:7', 'globex-only signature'],
} as const;

export type DemoOrg = keyof typeof onlyIn;

export const otherOrg = (org: DemoOrg): DemoOrg => (org === 'demo' ? 'globex' : 'demo');

/** The markers of `org` found in `text` (an empty list is the pass). */
export function foreignMarkers(text: string, org: DemoOrg): string[] {
  return onlyIn[org].filter((marker) => text.includes(marker));
}

export const checkoutApiArn = {
  demo: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api',
  globex: 'arn:aws:ecs:us-east-2:333333333333:service/globex-core/checkout-api',
} as const;

/** Each organization's identifiers as its chat surfaces send them. */
export const surfacesOf = {
  demo: { slackTeam: 'T00000001', slackChannel: 'C0000OPS', slackUser: 'U0000OPER', alertToken: 'demo-alerts-token', teamsTenant: '00000000-0000-0000-0000-000000000001' },
  globex: { slackTeam: 'T00000002', slackChannel: 'C0000GLOBEXOPS', slackUser: 'U0000GLOBEX', alertToken: 'globex-alerts-token', teamsTenant: '00000000-0000-0000-0000-000000000002' },
} as const;
