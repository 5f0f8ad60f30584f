// A duplex that sits between a client socket (TCP or TLS) and aedes: bytes pass through
// unchanged, but the first packet announcing more than the size limit destroys the socket
// before its body is read.
import { Duplex } from 'node:stream';
import { PacketSizeScanner } from './packet-size.ts';
import type { ScanVerdict } from './packet-size.ts';

export type Refusal = Exclude<ScanVerdict, { ok: true }>;

export class GuardedConnection extends Duplex {
  readonly #socket: Duplex;
  readonly #scanner: PacketSizeScanner;

  constructor(socket: Duplex, maxPacketBytes: number, onRefuse: (r: Refusal) => void) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#scanner = new PacketSizeScanner(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const verdict = this.#scanner.push(chunk);
      if (!verdict.ok) {
        onRefuse(verdict);
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#socket.destroyed) return cb(new Error('socket closed'));
    // Acknowledge at once unless the socket pushes back; waiting for each flush would serialise
    // every delivery to a busy subscriber.
    if (this.#socket.write(chunk)) cb();
    else this.#socket.once('drain', () => cb());
  }

  // mqtt-packet writes a packet as several small chunks; hand them to the socket in one go.
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    cb: (err?: Error | null) => void,
  ): void {
    if (this.#socket.destroyed) return cb(new Error('socket closed'));
    let ok = true;
    for (const { chunk } of chunks) ok = this.#socket.write(chunk);
    if (ok) cb();
    else this.#socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#socket.destroy();
    cb(err);
  }
}
