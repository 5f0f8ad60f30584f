// The uplink (spool drain → blob store → MQTT) is another module, written separately. The agent
// starts it when edge-agent/src/uplink exports `startUplink(ctx)` (building its blob store and
// MQTT client from edge.yaml and the credentials file), and otherwise runs without upload
// (frames wait in the spool) and says so.
import type { EdgeConfig } from '@pretag/shared/config/edge-schema';
import type { Logger } from '@pretag/shared/log/logger';
import type { Spool } from '../spool/index.ts';

export interface UplinkHandle {
  stop(): Promise<void>;
}

export interface UplinkContext {
  config: () => EdgeConfig;
  spool: Spool;
  logger: Logger;
}

type StartUplink = (ctx: UplinkContext) => Promise<UplinkHandle> | UplinkHandle;

export async function startUplinkIfPresent(ctx: UplinkContext): Promise<UplinkHandle | undefined> {
  // A variable specifier: the module may not exist yet, and that is not a type error.
  const spec = '../uplink/index.ts';
  let mod: { startUplink?: StartUplink };
  try {
    mod = (await import(spec)) as { startUplink?: StartUplink };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    ctx.logger.warn('uplink module not present: running without upload; frames stay in the spool');
    return undefined;
  }
  if (typeof mod.startUplink !== 'function') {
    ctx.logger.warn(
      'uplink module has no startUplink(): running without upload; frames stay in the spool',
    );
    return undefined;
  }
  return mod.startUplink(ctx);
}
