// Starts the uplink (spool drain → blob store → MQTT). A missing or bad credentials file, or a
// blob store edge.yaml cannot build, is logged and the agent runs without upload: cameras keep
// filling the spool, which drains once the agent restarts with the problem fixed.
import { CliError } from '@pretag/shared/cli/errors';
import { startUplink } from '../uplink/start-uplink.ts';
import type { RunningUplink, StartUplinkContext } from '../uplink/start-uplink.ts';

export type UplinkHandle = RunningUplink;
export type UplinkContext = StartUplinkContext;

export function startUplinkIfPossible(ctx: UplinkContext): UplinkHandle | undefined {
  try {
    return startUplink(ctx);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    ctx.logger.error(`running without upload (frames stay in the spool): ${err.message}`);
    return undefined;
  }
}
