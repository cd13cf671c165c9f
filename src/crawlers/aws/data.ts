import { paginateListTables } from '@aws-sdk/client-dynamodb';
import { paginateDescribeDBClusters, paginateDescribeDBInstances } from '@aws-sdk/client-rds';
import { paginateListBuckets } from '@aws-sdk/client-s3';
import { tagRecord } from '../collect.ts';
import { placeIn } from './ec2.ts';
import type { RegionScan } from './scan.ts';

export const rdsTypes = ['aws.rds.instance', 'aws.rds.cluster'] as const;
export const dynamodbTypes = ['aws.dynamodb.table'] as const;
export const s3Types = ['aws.s3.bucket'] as const;

/** RDS instances and Aurora clusters: cluster CONTAINS instance; endpoints are addresses services mention. */
export async function crawlRds(scan: RegionScan): Promise<void> {
  const { out, facts } = scan;
  const pageSize = Math.max(20, Math.min(scan.pageSize, 100));
  for await (const result of paginateDescribeDBClusters({ client: scan.rds, pageSize }, {})) {
    for (const c of result.DBClusters ?? []) {
      if (!c.DBClusterArn) continue;
      out.resource({ id: c.DBClusterArn, type: 'aws.rds.cluster', name: c.DBClusterIdentifier, region: scan.region, state: c.Status, tags: tagRecord(c.TagList) });
      for (const m of c.DBClusterMembers ?? []) if (m.DBInstanceIdentifier) out.edge(c.DBClusterArn, scan.arn('rds', `db:${m.DBInstanceIdentifier}`), 'CONTAINS');
      placeIn(scan, c.DBClusterArn, [], c.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId));
      facts.host(c.Endpoint, c.DBClusterArn);
      facts.host(c.ReaderEndpoint, c.DBClusterArn);
    }
  }
  for await (const result of paginateDescribeDBInstances({ client: scan.rds, pageSize }, {})) {
    for (const i of result.DBInstances ?? []) {
      if (!i.DBInstanceArn) continue;
      out.resource({ id: i.DBInstanceArn, type: 'aws.rds.instance', name: i.DBInstanceIdentifier, region: scan.region, state: i.DBInstanceStatus, tags: tagRecord(i.TagList) });
      placeIn(scan, i.DBInstanceArn, i.DBSubnetGroup?.Subnets?.map((s) => s.SubnetIdentifier), i.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId));
      facts.host(i.Endpoint?.Address, i.DBInstanceArn);
    }
  }
}

/** DynamoDB tables, by name (ListTables; a DescribeTable per table would double the calls for a state). */
export async function crawlDynamoDb(scan: RegionScan): Promise<void> {
  for await (const result of paginateListTables({ client: scan.dynamodb, pageSize: Math.min(scan.pageSize, 100) }, {})) {
    for (const name of result.TableNames ?? []) {
      const id = scan.arn('dynamodb', `table/${name}`);
      scan.out.resource({ id, type: 'aws.dynamodb.table', name, region: scan.region, state: 'active' });
      scan.facts.address(name, id);
      scan.facts.address(id, id);
    }
  }
}

/** S3 buckets: one account-wide list, so they sit in the `global` region. */
export async function crawlS3(scan: RegionScan): Promise<void> {
  for await (const result of paginateListBuckets({ client: scan.s3, pageSize: Math.min(scan.pageSize, 1000) }, {})) {
    for (const b of result.Buckets ?? []) {
      if (!b.Name) continue;
      const id = `arn:${scan.partition}:s3:::${b.Name}`;
      scan.out.resource({ id, type: 'aws.s3.bucket', name: b.Name, region: 'global', state: 'available' });
      scan.facts.address(b.Name, id);
      scan.facts.address(id, id);
    }
  }
}
