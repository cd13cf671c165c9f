import nock from 'nock';
import { afterEach, beforeEach } from 'vitest';
import type { Neighbour } from '../../src/stores/graph.ts';

/** Neighbours as `name:RELATIONSHIP`, sorted: what a crawl test compares. */
export function neighbourNames(list: Neighbour[]): string[] {
  return list.map((n) => `${n.resource.name}:${n.via}`).sort();
}

/**
 * Every HTTP call nock does not answer is refused (a crawler under test never reaches a real cloud);
 * `fresh` runs before each test (e.g. a new graph).
 */
export function refuseUnmockedHttp(fresh: () => void = () => undefined): void {
  beforeEach(() => {
    nock.disableNetConnect();
    fresh();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
}
