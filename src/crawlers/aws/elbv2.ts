import { DescribeTargetHealthCommand, paginateDescribeListeners, paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit from 'p-limit';
import { placeIn } from './ec2.ts';
import type { RegionScan } from './scan.ts';

export const elbv2Types = ['aws.elbv2.loadbalancer', 'aws.elbv2.listener', 'aws.elbv2.targetgroup'] as const;

/**
 * Load balancers, their listeners and target groups: load balancer CONTAINS listener ROUTES_TO
 * target group ROUTES_TO instance / Lambda (from target health; IP targets are joined from the ECS
 * side, which names its target groups).
 */
export async function crawlElbv2(scan: RegionScan): Promise<void> {
  const { out } = scan;
  const pageSize = Math.min(scan.pageSize, 400);
  const balancers: string[] = [];
  for await (const result of paginateDescribeLoadBalancers({ client: scan.elbv2, pageSize }, {})) {
    for (const lb of result.LoadBalancers ?? []) {
      if (!lb.LoadBalancerArn) continue;
      out.resource({ id: lb.LoadBalancerArn, type: 'aws.elbv2.loadbalancer', name: lb.LoadBalancerName, region: scan.region, state: lb.State?.Code });
      placeIn(scan, lb.LoadBalancerArn, lb.AvailabilityZones?.map((z) => z.SubnetId), lb.SecurityGroups);
      scan.facts.host(lb.DNSName, lb.LoadBalancerArn);
      balancers.push(lb.LoadBalancerArn);
    }
  }
  const groups: { arn: string; type: string | undefined }[] = [];
  for await (const result of paginateDescribeTargetGroups({ client: scan.elbv2, pageSize }, {})) {
    for (const tg of result.TargetGroups ?? []) {
      if (!tg.TargetGroupArn) continue;
      out.resource({ id: tg.TargetGroupArn, type: 'aws.elbv2.targetgroup', name: tg.TargetGroupName, region: scan.region, state: (tg.LoadBalancerArns?.length ?? 0) > 0 ? 'active' : 'unused' });
      // Also covers target groups reached only through listener rules.
      for (const lb of tg.LoadBalancerArns ?? []) out.edge(lb, tg.TargetGroupArn, 'ROUTES_TO');
      groups.push({ arn: tg.TargetGroupArn, type: tg.TargetType });
    }
  }
  const limit = pLimit(4);
  await Promise.all(balancers.map((lb) => limit(async () => {
    for await (const result of paginateDescribeListeners({ client: scan.elbv2, pageSize }, { LoadBalancerArn: lb })) {
      for (const listener of result.Listeners ?? []) {
        if (!listener.ListenerArn) continue;
        out.resource({ id: listener.ListenerArn, type: 'aws.elbv2.listener', name: `${listener.Protocol ?? 'listener'}:${listener.Port ?? ''}`, region: scan.region, state: 'active' });
        out.edge(lb, listener.ListenerArn, 'CONTAINS');
        for (const tg of forwardTargets(listener.DefaultActions)) out.edge(listener.ListenerArn, tg, 'ROUTES_TO');
      }
    }
  })));
  await Promise.all(groups.filter((g) => g.type !== 'ip' && g.type !== 'alb').map((g) => limit(async () => {
    const health = await scan.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.arn }), scan.send);
    for (const d of health.TargetHealthDescriptions ?? []) {
      const target = d.Target?.Id;
      if (!target) continue;
      out.edge(g.arn, target.startsWith('arn:') ? target : scan.arn('ec2', `instance/${target}`), 'ROUTES_TO');
    }
  })));
}

function forwardTargets(actions: Action[] | undefined): string[] {
  return (actions ?? []).flatMap((a) => [
    ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
    ...(a.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : [])),
  ]);
}
