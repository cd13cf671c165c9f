import { paginateDescribeInstances, paginateDescribeSecurityGroups, paginateDescribeSubnets, paginateDescribeVpcs, type Tag } from '@aws-sdk/client-ec2';
import { tagRecord } from '../collect.ts';
import type { RegionScan } from './scan.ts';

export const ec2Types = ['aws.ec2.vpc', 'aws.ec2.subnet', 'aws.ec2.securitygroup', 'aws.ec2.instance'] as const;

const nameTag = (tags: Tag[] | undefined): string | undefined => tags?.find((t) => t.Key === 'Name')?.Value;

/** VPCs, subnets, security groups (with the rules that say who talks to whom) and instances. */
export async function crawlEc2(scan: RegionScan): Promise<void> {
  const { out, facts } = scan;
  const page = { client: scan.ec2, pageSize: Math.max(5, Math.min(scan.pageSize, 1000)) };
  const vpc = (id: string | undefined): string | undefined => (id ? scan.arn('ec2', `vpc/${id}`) : undefined);
  const subnet = (id: string | undefined): string | undefined => (id ? scan.arn('ec2', `subnet/${id}`) : undefined);
  const group = (id: string | undefined): string | undefined => (id ? scan.arn('ec2', `security-group/${id}`) : undefined);

  for await (const result of paginateDescribeVpcs(page, {})) {
    for (const v of result.Vpcs ?? []) {
      if (!v.VpcId) continue;
      out.resource({ id: vpc(v.VpcId) as string, type: 'aws.ec2.vpc', name: nameTag(v.Tags) ?? v.VpcId, region: scan.region, state: v.State, tags: tagRecord(v.Tags) });
    }
  }
  for await (const result of paginateDescribeSubnets(page, {})) {
    for (const s of result.Subnets ?? []) {
      if (!s.SubnetId) continue;
      const id = subnet(s.SubnetId) as string;
      out.resource({ id, type: 'aws.ec2.subnet', name: nameTag(s.Tags) ?? s.SubnetId, region: scan.region, state: s.State, tags: tagRecord(s.Tags) });
      out.edge(vpc(s.VpcId), id, 'CONTAINS');
    }
  }
  for await (const result of paginateDescribeSecurityGroups(page, {})) {
    for (const g of result.SecurityGroups ?? []) {
      if (!g.GroupId) continue;
      const id = group(g.GroupId) as string;
      out.resource({ id, type: 'aws.ec2.securitygroup', name: g.GroupName ?? g.GroupId, region: scan.region, state: 'available', tags: tagRecord(g.Tags) });
      out.edge(vpc(g.VpcId), id, 'CONTAINS');
      for (const rule of g.IpPermissions ?? []) for (const pair of rule.UserIdGroupPairs ?? []) if (pair.GroupId) facts.allows(g.GroupId, pair.GroupId);
    }
  }
  for await (const result of paginateDescribeInstances(page, {})) {
    for (const reservation of result.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) {
        if (!i.InstanceId) continue;
        const id = scan.arn('ec2', `instance/${i.InstanceId}`);
        out.resource({ id, type: 'aws.ec2.instance', name: nameTag(i.Tags) ?? i.InstanceId, region: scan.region, state: i.State?.Name, tags: tagRecord(i.Tags) });
        out.edge(subnet(i.SubnetId), id, 'CONTAINS');
        for (const g of i.SecurityGroups ?? []) out.edge(id, group(g.GroupId), 'ATTACHED_TO');
        facts.memberOf(id, (i.SecurityGroups ?? []).map((g) => g.GroupId));
        facts.host(i.PrivateDnsName, id);
      }
    }
  }
}

/** Links a resource to its subnets and security groups (by their ids), as every family does. */
export function placeIn(scan: RegionScan, id: string, subnets: readonly (string | undefined)[] | undefined, groups: readonly (string | undefined)[] | undefined): void {
  for (const s of subnets ?? []) if (s) scan.out.edge(scan.arn('ec2', `subnet/${s}`), id, 'CONTAINS');
  for (const g of groups ?? []) if (g) scan.out.edge(id, scan.arn('ec2', `security-group/${g}`), 'ATTACHED_TO');
  scan.facts.memberOf(id, groups);
}
