// Helpers for the jetson/ script tests: run a script to completion, a throwaway install root
// shaped like a JetPack root file system (passwd/group with `video`), and a digest of a folder to
// prove a run changed nothing in it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  lstatSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/media.ts';

export const jetsonDir = path.join(repoRoot, 'jetson');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a jetson/ script (or any command) to completion; never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function script(name: string): string {
  return path.join(jetsonDir, name);
}

/** Whether a tool is on PATH; prints why a test skips when it is not. */
export function haveTool(tool: string, why: string): boolean {
  const ok = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!ok) console.warn(`SKIP: ${tool} not installed (${why})`);
  return ok;
}

/** An empty install root with the accounts a JetPack root file system has (root, group video 44). */
export function makeRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pretag-jetson-root-'));
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nvideo:x:44:\n');
  writeFileSync(path.join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(path.join(root, 'etc/gshadow'), 'root:*::\nvideo:!::\n', { mode: 0o600 });
  return root;
}

/** sha256 over every path, mode, owner, link target and file content under dir. */
export function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      h.update(`${path.relative(dir, p)}\0${st.mode}\0${st.uid}\0${st.gid}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** The step titles a run printed, in order ("[01] title" lines, without the dry-run suffix). */
export function steps(stdout: string): string[] {
  return [...stdout.matchAll(/^\[\d\d\] (.*?)(?: \(dry run\))?$/gm)].map((m) => m[1] ?? '');
}

/** Uid and gid of a user in an install root's passwd. */
export function accountIn(root: string, user: string): { uid: number; gid: number } | undefined {
  const line = readFileSync(path.join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}
