/**
 * The bot as `cloud-companion start` runs it, except that the process kills itself (SIGKILL, no
 * cleanup) right after an approval is written and before its action starts: a crash in the window
 * between the two steps. Run with `node --import tsx`; configured by the environment like the bot.
 */
import { startBot } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import { createStores } from '../../src/stores/select.ts';
import { hookApprovals } from './durable.ts';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel });
const stores = await createStores(config, logger);
const approvals = hookApprovals(stores.approvals, (approval) => {
  process.stdout.write(`${JSON.stringify({ msg: 'approved; crashing now', approvalId: approval.id })}\n`);
  process.kill(process.pid, 'SIGKILL');
});
await startBot(config, logger, { stores: { ...stores, approvals }, execution: { clickLeaseMs: 2000 } });
