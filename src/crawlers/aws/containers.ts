import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, paginateListClusters, paginateListServices } from '@aws-sdk/client-ecs';
import { DescribeClusterCommand, paginateListClusters as paginateListEksClusters } from '@aws-sdk/client-eks';
import pLimit from 'p-limit';
import { tagRecord } from '../collect.ts';
import { placeIn } from './ec2.ts';
import { chunked } from '../../batches.ts';
import type { RegionScan } from './scan.ts';

export const ecsTypes = ['aws.ecs.cluster', 'aws.ecs.service'] as const;
export const eksTypes = ['aws.eks.cluster'] as const;

/**
 * ECS clusters and services: cluster CONTAINS service; the target groups a service names ROUTES_TO
 * it; its task definition's environment says which queues, tables and databases it uses.
 */
export async function crawlEcs(scan: RegionScan): Promise<void> {
  const { out } = scan;
  const clusters: string[] = [];
  for await (const result of paginateListClusters({ client: scan.ecs, pageSize: Math.min(scan.pageSize, 100) }, {})) clusters.push(...(result.clusterArns ?? []));
  for (const batch of chunked(clusters, 100)) {
    const described = await scan.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ['TAGS'] }), scan.send);
    for (const c of described.clusters ?? []) {
      if (c.clusterArn) out.resource({ id: c.clusterArn, type: 'aws.ecs.cluster', name: c.clusterName, region: scan.region, state: c.status, tags: tagRecord(c.tags) });
    }
  }
  const limit = pLimit(4);
  const taskDefinitions = new Map<string, string[]>();
  await Promise.all(clusters.map((cluster) => limit(async () => {
    const arns: string[] = [];
    for await (const result of paginateListServices({ client: scan.ecs, pageSize: Math.min(scan.pageSize, 100) }, { cluster })) arns.push(...(result.serviceArns ?? []));
    for (const batch of chunked(arns, 10)) {
      const described = await scan.ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }), scan.send);
      for (const s of described.services ?? []) {
        if (!s.serviceArn) continue;
        const state = s.status === 'ACTIVE' && s.desiredCount !== undefined && (s.runningCount ?? 0) < s.desiredCount ? 'degraded' : s.status;
        // The newest deployment's last update is when the service last changed (a deploy, a scale, a config change).
        const changedAt = (s.deployments ?? []).map((d) => d.updatedAt ?? d.createdAt).filter((d): d is Date => d instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
        out.resource({ id: s.serviceArn, type: 'aws.ecs.service', name: s.serviceName, region: scan.region, state, tags: tagRecord(s.tags), desiredCount: s.desiredCount, runningCount: s.runningCount, changedAt });
        out.edge(s.clusterArn ?? cluster, s.serviceArn, 'CONTAINS');
        for (const lb of s.loadBalancers ?? []) out.edge(lb.targetGroupArn, s.serviceArn, 'ROUTES_TO');
        const vpc = s.networkConfiguration?.awsvpcConfiguration;
        placeIn(scan, s.serviceArn, vpc?.subnets, vpc?.securityGroups);
        if (s.taskDefinition) taskDefinitions.set(s.taskDefinition, [...(taskDefinitions.get(s.taskDefinition) ?? []), s.serviceArn]);
      }
    }
  })));
  await Promise.all([...taskDefinitions].map(([taskDefinition, services]) => limit(async () => {
    const described = await scan.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }), scan.send);
    const values = (described.taskDefinition?.containerDefinitions ?? []).flatMap((c) => (c.environment ?? []).flatMap((e) => (e.value ? [e.value] : [])));
    for (const service of services) scan.facts.mentionsIn(service, values);
  })));
}

/** EKS clusters, in their subnets and security groups. */
export async function crawlEks(scan: RegionScan): Promise<void> {
  const names: string[] = [];
  for await (const result of paginateListEksClusters({ client: scan.eks, pageSize: Math.min(scan.pageSize, 100) }, {})) names.push(...(result.clusters ?? []));
  const limit = pLimit(4);
  await Promise.all(names.map((name) => limit(async () => {
    const { cluster } = await scan.eks.send(new DescribeClusterCommand({ name }), scan.send);
    if (!cluster?.arn) return;
    scan.out.resource({ id: cluster.arn, type: 'aws.eks.cluster', name: cluster.name ?? name, region: scan.region, state: cluster.status, tags: cluster.tags });
    const vpc = cluster.resourcesVpcConfig;
    placeIn(scan, cluster.arn, vpc?.subnetIds, [...(vpc?.securityGroupIds ?? []), vpc?.clusterSecurityGroupId]);
  })));
}
