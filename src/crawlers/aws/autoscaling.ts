import { paginateDescribeAutoScalingGroups } from '@aws-sdk/client-auto-scaling';
import { tagRecord } from '../collect.ts';
import { placeIn } from './ec2.ts';
import type { RegionScan } from './scan.ts';

export const autoscalingTypes = ['aws.autoscaling.group'] as const;

/** Auto Scaling groups: they contain their instances, sit in their subnets and feed their target groups. */
export async function crawlAutoScaling(scan: RegionScan): Promise<void> {
  const { out } = scan;
  for await (const result of paginateDescribeAutoScalingGroups({ client: scan.autoscaling, pageSize: Math.min(scan.pageSize, 100) }, {})) {
    for (const g of result.AutoScalingGroups ?? []) {
      if (!g.AutoScalingGroupARN) continue;
      const id = g.AutoScalingGroupARN;
      // Status is only set while the group is being deleted.
      out.resource({ id, type: 'aws.autoscaling.group', name: g.AutoScalingGroupName, region: scan.region, state: g.Status ?? 'active', tags: tagRecord(g.Tags),
        desiredCount: g.DesiredCapacity, runningCount: (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length });
      for (const i of g.Instances ?? []) if (i.InstanceId) out.edge(id, scan.arn('ec2', `instance/${i.InstanceId}`), 'CONTAINS');
      for (const tg of g.TargetGroupARNs ?? []) out.edge(tg, id, 'ROUTES_TO');
      placeIn(scan, id, g.VPCZoneIdentifier?.split(',').map((s) => s.trim()), []);
    }
  }
}
