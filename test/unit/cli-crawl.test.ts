import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { fakeAws } from '../support/fake-aws.ts';

/** `cloud-companion crawl` end to end: tenants file → AWS SDK (answered by nock) → graph → report. */
describe('cloud-companion crawl', () => {
  let tenantsFile: string;
  beforeEach(() => {
    nock.disableNetConnect();
    tenantsFile = join(mkdtempSync(join(tmpdir(), 'crawl-cli-')), 'tenants.yaml');
    writeFileSync(tenantsFile, `version: 1
organizations:
  - id: acme
    name: Acme
    accounts:
      - { provider: aws, accountId: "111111111111", name: acme-prod, regions: [us-east-1, eu-west-1] }
      - { provider: aws, accountId: "222222222222", name: acme-dev, regions: [us-east-1] }
`);
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  const env = () => ({ TENANTS_FILE: tenantsFile, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_EC2_METADATA_DISABLED: 'true' });

  it('crawls one account and prints what it found, the API calls and each failure; exit 1 when part failed', async () => {
    fakeAws({
      accountId: '111111111111',
      buckets: ['acme-logs'],
      regions: { 'us-east-1': { queues: ['jobs', 'jobs-dlq'], tables: ['orders'] }, 'eu-west-1': {} },
    }, { denyRegions: ['eu-west-1'] });
    const run = await runCli(['crawl', '--org', 'acme', '--account', '111111111111'], env());
    expect(run.stdout).toMatch(/^aws:111111111111 \(acme-prod\): 4 resources, 0 relationships, 0 gone, \d+ API calls, [\d.]+ s\n/);
    expect(run.stdout).toContain('  ✗ eu-west-1 sqs: AWS sqs in eu-west-1 (account 111111111111) refused access (AccessDenied): ');
    expect(run.stdout).not.toContain('222222222222');
    expect(run.stdout).toMatch(/Crawled 1 account\(s\) of "acme" into .+; 1 with failures/);
    expect(run.code).toBe(1);
  });

  it('refuses an account the organization does not have', async () => {
    const run = await runCli(['crawl', '--org', 'acme', '--account', '999'], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Account "999" is not one of acme\'s accounts (111111111111, 222222222222).');
  });
});
