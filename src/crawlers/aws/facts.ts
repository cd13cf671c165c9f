import type { Collector } from '../collect.ts';

/** Types whose security-group rules and addresses make them something a service depends on. */
const dataTypes = new Set(['aws.rds.instance', 'aws.rds.cluster']);
const computeTypes = new Set(['aws.ec2.instance', 'aws.ecs.service', 'aws.lambda.function', 'aws.eks.cluster', 'aws.autoscaling.group']);

/**
 * What the service families learn that joins resources across families, resolved once the whole
 * account is listed: security-group membership and rules, addresses (queue URLs, endpoints, names)
 * and the configuration values that mention them (Lambda environment variables).
 */
export class Facts {
  private readonly members = new Map<string, Set<string>>();
  private readonly ingress: { group: string; from: string }[] = [];
  private readonly exact = new Map<string, string>();
  private readonly hosts: { host: string; id: string }[] = [];
  private readonly mentions: { from: string; values: string[] }[] = [];

  /** `resourceId` runs with these security groups (ids like sg-…). */
  memberOf(resourceId: string, groupIds: readonly (string | undefined)[] | undefined): void {
    for (const group of groupIds ?? []) {
      if (!group) continue;
      const set = this.members.get(group) ?? new Set<string>();
      set.add(resourceId);
      this.members.set(group, set);
    }
  }

  /** `group` accepts traffic from members of `from`. */
  allows(group: string, from: string): void {
    this.ingress.push({ group, from });
  }

  /** A value that names this resource when a configuration holds it whole (a queue URL, an ARN, a table name). */
  address(value: string | undefined, id: string): void {
    if (value) this.exact.set(value, id);
  }

  /** A host name that names this resource when it appears inside a configuration value (a database endpoint). */
  host(value: string | undefined, id: string): void {
    if (value) this.hosts.push({ host: value.toLowerCase(), id });
  }

  /** Configuration values of a resource (environment variables) that may name what it depends on. */
  mentionsIn(from: string, values: readonly string[]): void {
    if (values.length > 0) this.mentions.push({ from, values: [...values] });
  }

  /** Adds the DEPENDS_ON edges the facts imply, between resources the crawl found. */
  resolve(out: Collector): void {
    for (const { group, from } of this.ingress) {
      const servers = [...(this.members.get(group) ?? [])].filter((id) => dataTypes.has(out.get(id)?.type ?? ''));
      if (servers.length === 0) continue;
      const clients = [...(this.members.get(from) ?? [])].filter((id) => computeTypes.has(out.get(id)?.type ?? ''));
      for (const client of clients) for (const server of servers) out.edge(client, server, 'DEPENDS_ON');
    }
    for (const { from, values } of this.mentions) {
      for (const value of values) {
        const direct = this.exact.get(value);
        if (direct) out.edge(from, direct, 'DEPENDS_ON');
        const lower = value.toLowerCase();
        for (const { host, id } of this.hosts) if (lower.includes(host)) out.edge(from, id, 'DEPENDS_ON');
      }
    }
  }
}
