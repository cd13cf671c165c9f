import type { Platform } from '../request.ts';
import type { Organization } from './organization.ts';

export interface Identity {
  platform: Platform;
  userId: string;
}

/** How the HTTP API and the CLI name actors: `apikey:<keyId>`, `cli:<user>`. */
const apiKeyPrefix = 'apikey:';
const cliPrefix = 'cli:';

/**
 * The person behind an identity, as a stable string: `person:<id>` when tenants.yaml links the
 * identity to a person, otherwise the identity itself. An API key is its person when listed, else
 * the person who created it (`createdBy` from the key record), so two keys of one creator, or a key
 * and its creator's linked Slack or Teams account, are one person.
 */
export function personOf(org: Organization, identity: Identity, keyCreatedBy?: string): string {
  const linked = (match: (person: Organization['people'][number]) => boolean): string | undefined => {
    const person = org.people.find(match);
    return person ? `person:${person.id}` : undefined;
  };
  const { platform, userId } = identity;
  switch (platform) {
    case 'slack':
      return linked((p) => p.slack.includes(userId)) ?? `slack:${userId}`;
    case 'teams':
      return linked((p) => p.teams.includes(userId)) ?? `teams:${userId}`;
    case 'cli':
      return creatorPerson(org, userId.startsWith(cliPrefix) ? userId : `${cliPrefix}${userId}`);
    case 'api': {
      const keyId = userId.startsWith(apiKeyPrefix) ? userId.slice(apiKeyPrefix.length) : userId;
      return linked((p) => p.apiKeys.includes(keyId)) ?? (keyCreatedBy ? creatorPerson(org, keyCreatedBy) : `${apiKeyPrefix}${keyId}`);
    }
  }
}

/** A key's creator as recorded (`cli:<user>`), linked through `people[].cli` when listed. */
function creatorPerson(org: Organization, createdBy: string): string {
  const user = createdBy.startsWith(cliPrefix) ? createdBy.slice(cliPrefix.length) : undefined;
  const person = user === undefined ? undefined : org.people.find((p) => p.cli.includes(user));
  return person ? `person:${person.id}` : `creator:${createdBy}`;
}
