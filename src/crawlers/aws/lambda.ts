import { paginateListFunctions } from '@aws-sdk/client-lambda';
import { placeIn } from './ec2.ts';
import type { RegionScan } from './scan.ts';

export const lambdaTypes = ['aws.lambda.function'] as const;

/** Lambda functions, in their VPC subnets; their environment variables say what they use. */
export async function crawlLambda(scan: RegionScan): Promise<void> {
  for await (const result of paginateListFunctions({ client: scan.lambda, pageSize: Math.min(scan.pageSize, 50) }, {})) {
    for (const f of result.Functions ?? []) {
      if (!f.FunctionArn) continue;
      // ListFunctions leaves State out for most functions; an unlisted one would not be here.
      scan.out.resource({ id: f.FunctionArn, type: 'aws.lambda.function', name: f.FunctionName, region: scan.region, state: f.State ?? 'active', changedAt: f.LastModified });
      placeIn(scan, f.FunctionArn, f.VpcConfig?.SubnetIds, f.VpcConfig?.SecurityGroupIds);
      scan.facts.mentionsIn(f.FunctionArn, Object.values(f.Environment?.Variables ?? {}));
    }
  }
}
