// Where and on what a result was measured, so results from different machines are not compared blindly.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  ffmpeg: string;
  /** 1-minute load average when the run began: other work on the machine skews absolute figures. */
  load1: number;
}

export interface GitInfo {
  commit: string;
  /** Changed or new (not ignored) files: the commit alone does not identify the code measured. */
  dirty: boolean;
}

async function output(cmd: string, args: string[], cwd?: string): Promise<string | undefined> {
  try {
    return (await run(cmd, args, { cwd, timeout: 10_000 })).stdout;
  } catch {
    return undefined;
  }
}

/** "ffmpeg version 5.1.9-0+deb12u1 Copyright …" → "5.1.9-0+deb12u1". */
export function parseFfmpegVersion(text: string | undefined): string {
  return /^ffmpeg version (\S+)/m.exec(text ?? '')?.[1] ?? 'unavailable';
}

export async function machineInfo(): Promise<MachineInfo> {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ffmpeg: parseFfmpegVersion(await output('ffmpeg', ['-hide_banner', '-version'])),
    load1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

export async function gitInfo(repoDir: string): Promise<GitInfo> {
  const commit = (await output('git', ['rev-parse', 'HEAD'], repoDir))?.trim() || 'unknown';
  const status = await output('git', ['status', '--porcelain'], repoDir);
  return { commit, dirty: status === undefined ? true : status.trim() !== '' };
}
