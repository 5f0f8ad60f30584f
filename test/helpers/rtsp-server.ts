// A real RTSP camera on loopback: GStreamer's RTSP server (rtsp-server.py) run by Debian's
// python3, which has the gi bindings (the pyenv python on PATH does not). Tests start, kill,
// pause and restart it on the same port to act out a camera dropping out and coming back.
// Debian packages: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good
// gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

export const SYSTEM_PYTHON = process.env.PRETAG_GST_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));

export interface RtspCheck {
  ok: boolean;
  reason: string;
}

let checked: RtspCheck | undefined;

/** Whether GStreamer's RTSP server can run here; prints why not once, for skipped tests. */
export function rtspServerAvailable(): RtspCheck {
  if (checked) return checked;
  let reason = '';
  if (!existsSync(SYSTEM_PYTHON)) reason = `${SYSTEM_PYTHON} not found`;
  else {
    const probe = spawnSync(
      SYSTEM_PYTHON,
      [
        '-c',
        [
          'import gi',
          "gi.require_version('Gst', '1.0')",
          "gi.require_version('GstRtspServer', '1.0')",
          'from gi.repository import Gst, GstRtspServer',
          'Gst.init(None)',
          "missing = [e for e in ('filesrc', 'qtdemux', 'h264parse', 'rtph264pay') if Gst.ElementFactory.find(e) is None]",
          "assert not missing, 'GStreamer elements missing: ' + ', '.join(missing)",
        ].join('\n'),
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    if (probe.status !== 0)
      reason = `GStreamer RTSP server unavailable (install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad): ${(probe.stderr || String(probe.error ?? '')).trim().split('\n').at(-1) ?? ''}`;
  }
  if (reason) console.warn(`SKIP: ${reason}`);
  checked = { ok: !reason, reason };
  return checked;
}

export class RtspServer {
  readonly file: string;
  readonly mount = '/cam';
  port: number;
  private proc: ChildProcess | undefined;

  private constructor(file: string, port: number) {
    this.file = file;
    this.port = port;
  }

  /**
   * Serves `file` (H.264 MP4) at rtsp://127.0.0.1:PORT/cam. Without a port it takes one from
   * freePort rather than bind(0): restart() needs the port again after the server is gone, and
   * bind(0) could meanwhile have handed it to a parallel test's server.
   */
  static async start(file: string, port?: number): Promise<RtspServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new RtspServer(file, port ?? (await freePort()));
      try {
        await server.launch();
        return server;
      } catch (err) {
        // Someone took the free port first: another one will do.
        if (port !== undefined || attempt === 3) throw err;
      }
    }
  }

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}${this.mount}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The camera vanishes: SIGKILL, so no RTSP TEARDOWN reaches the client. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  }

  /** The camera hangs: connections stay open but nothing is sent (SIGSTOP). */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  /** Starts again on the same port, retrying while the old socket is still being released. */
  async restart(): Promise<void> {
    await this.kill();
    let lastError: unknown;
    for (let i = 0; i < 20; i++) {
      try {
        await this.launch();
        return;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  stop(): Promise<void> {
    return this.kill();
  }

  private launch(): Promise<void> {
    const proc = spawn(
      SYSTEM_PYTHON,
      [SCRIPT, '--file', this.file, '--port', String(this.port), '--mount', this.mount],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`RTSP server did not start within 20 s: ${stderr.trim()}`));
      }, 20_000);
      proc.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /READY (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`RTSP server exited (${code ?? signal}): ${stderr.trim()}`));
      });
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}
