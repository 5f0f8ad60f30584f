// A loopback port that nothing listens on, for a server that must be told its port before it
// starts (config files, child processes). Asking the kernel for port 0 and closing it is racy:
// Linux hands bind(0) odd ports from the lower half of the local range, so the next bind(0) in
// this process (two ports for one hub) or in a parallel test file can get the same port before
// our server binds it. So: a random odd port from the upper half, where bind(0) does not look
// and connect() (even ports) does not either, checked free, never handed out twice here.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const handedOut = new Set<number>();

function localPortRange(): [number, number] {
  try {
    const [low = NaN, high = NaN] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && high - low >= 1_000) return [low, high];
  } catch {
    // not Linux: the documented default range
  }
  return [32_768, 60_999];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const [low, high] = localPortRange();
  const from = low + Math.ceil((high - low) / 2);
  for (let i = 0; i < 100; i++) {
    const port = (from + Math.floor(Math.random() * (high - from))) | 1;
    if (port > high || handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found in ${from}-${high}`);
}
