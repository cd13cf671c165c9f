import { z } from 'zod';

/**
 * The normalised inventory format (version 1): what crawlers produce and `ingest estate` reads.
 * Resource ids are the provider's own (ARN, Azure resource id, GCP full resource name).
 */
export const Provider = z.enum(['aws', 'azure', 'gcp']);
export type Provider = z.infer<typeof Provider>;

export const RelationshipType = z.enum(['DEPENDS_ON', 'CONTAINS', 'ROUTES_TO', 'ATTACHED_TO']);
export type RelationshipType = z.infer<typeof RelationshipType>;

const nonEmpty = z.string().trim().min(1).max(2048);

export const CloudAccountSchema = z.object({
  provider: Provider,
  accountId: nonEmpty.describe('AWS account id, Azure subscription id or GCP project id'),
  name: nonEmpty,
});
export type CloudAccountRecord = z.infer<typeof CloudAccountSchema>;

export const CloudResourceSchema = z.object({
  id: nonEmpty.describe("The provider's own id: ARN, Azure resource id or GCP full resource name"),
  provider: Provider,
  accountId: nonEmpty,
  type: nonEmpty.describe('Normalised type, e.g. aws.ecs.service, azure.vm, gcp.compute.instance'),
  name: nonEmpty,
  region: z.string().max(64).default('global'),
  state: z.string().max(64).default('unknown'),
  tags: z.record(z.string().max(256), z.string().max(1024)).default({}),
  /** Instances, tasks or replicas it should run (ECS desired count, ASG/MIG target size, App Service plan workers), where the type has one. */
  desiredCount: z.number().int().min(0).optional(),
  /** Instances, tasks or replicas running when the estate was read. */
  runningCount: z.number().int().min(0).optional(),
  /** When the provider last recorded a change to its configuration or deployment (ISO 8601), when it records one. */
  changedAt: z.iso.datetime({ offset: true }).optional(),
});
export type CloudResource = z.infer<typeof CloudResourceSchema>;

export const RelationshipSchema = z.object({
  from: nonEmpty,
  to: nonEmpty,
  type: RelationshipType,
});
export type Relationship = z.infer<typeof RelationshipSchema>;

export const EstateSchema = z.object({
  version: z.literal(1),
  accounts: z.array(CloudAccountSchema).default([]),
  resources: z.array(CloudResourceSchema),
  relationships: z.array(RelationshipSchema).default([]),
});
export type Estate = z.infer<typeof EstateSchema>;
