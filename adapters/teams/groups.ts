import type { TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { TtlCache, type GroupMembershipSource } from '../../src/tenancy/groups.ts';

/** How long a person's group answer is trusted: someone removed from a group keeps its role at most this long. */
export const graphGroupCacheMs = 5 * 60 * 1000;
/** checkMemberGroups takes at most 20 group ids per call. */
const maxGroupsPerCall = 20;
const graphTimeoutMs = 5_000;
const entraObjectId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CheckMemberGroupsResponse = z.object({ value: z.array(z.string()) });
const GraphError = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

export interface GraphGroupOptions {
  /** Graph's base, e.g. https://graph.microsoft.com/v1.0 (a national cloud's, or a local fake in tests). */
  graphUrl: string;
  /** An app credential in the given Entra tenant (the bot's own app registration). */
  credential: (tenantId: string) => TokenCredential;
  /** The tenant to ask when the conversation names none (the bot's own, for a single-tenant bot). */
  defaultTenantId?: string;
  ttlMs?: number;
}

/**
 * Entra group membership for roles granted to groups in tenants.yaml, through Microsoft Graph
 * `POST /users/{id}/checkMemberGroups` with an app-only token (application permission
 * GroupMember.Read.All). Transitive membership counts, as Graph computes it. Answers are cached.
 */
export class GraphGroupMembership implements GroupMembershipSource {
  readonly platform = 'teams' as const;
  private readonly answers: TtlCache<readonly string[]>;
  private readonly credentials = new Map<string, TokenCredential>();
  private readonly scope: string;

  constructor(private readonly options: GraphGroupOptions) {
    this.answers = new TtlCache(options.ttlMs ?? graphGroupCacheMs);
    const graph = new URL(options.graphUrl);
    // National clouds have their own Graph host and token audience; anything else (a local fake) uses the public one's.
    this.scope = graph.protocol === 'https:' ? `${graph.origin}/.default` : 'https://graph.microsoft.com/.default';
  }

  async memberOf(user: { userId: string; workspaceId?: string }, groupIds: readonly string[]): Promise<readonly string[]> {
    // Without an Entra object id (a Teams `29:` id only) there is nobody to look up.
    if (!entraObjectId.test(user.userId)) return [];
    const tenantId = user.workspaceId || this.options.defaultTenantId;
    if (!tenantId) throw new Error('no Entra tenant to ask: the conversation names none and MICROSOFT_APP_TENANT_ID is not set');
    const sorted = [...groupIds].sort();
    return this.answers.get(`${tenantId}/${user.userId}/${sorted.join(',')}`, async () => {
      const found: string[] = [];
      for (let i = 0; i < sorted.length; i += maxGroupsPerCall) found.push(...await this.check(tenantId, user.userId, sorted.slice(i, i + maxGroupsPerCall)));
      return found;
    });
  }

  private async check(tenantId: string, userId: string, groupIds: readonly string[]): Promise<string[]> {
    const token = await this.credentialFor(tenantId).getToken(this.scope);
    if (!token) throw new Error(`no Microsoft Graph token for tenant ${tenantId}`);
    const response = await fetch(`${this.options.graphUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/checkMemberGroups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ groupIds }),
      signal: AbortSignal.timeout(graphTimeoutMs),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = GraphError.safeParse(body);
      const detail = error.success ? `${error.data.error.code}${error.data.error.message ? `: ${error.data.error.message}` : ''}` : `HTTP ${response.status}`;
      const hint = response.status === 403 ? ' (grant the bot\'s app registration the GroupMember.Read.All application permission, with admin consent)' : '';
      throw new Error(`Microsoft Graph checkMemberGroups failed: ${detail}${hint}`);
    }
    return CheckMemberGroupsResponse.parse(body).value;
  }

  private credentialFor(tenantId: string): TokenCredential {
    let credential = this.credentials.get(tenantId);
    if (!credential) {
      credential = this.options.credential(tenantId);
      this.credentials.set(tenantId, credential);
    }
    return credential;
  }
}
