// The embedded MQTT broker (aedes, MQTT 3.1.1) with per-device authentication, topic ACLs, a
// packet size limit and an optional TLS listener. Every refusal is counted by reason; nothing a
// client sends can throw out of here. What clients see:
// - wrong password, unknown user, no credentials: CONNACK 4; right password of a revoked device:
//   CONNACK 5; a device client id other than `{user}` or `{user}/…`: CONNACK 2.
// - publishing outside its own topics (or a will aimed there): the connection is closed, since
//   3.1.1 has no per-publish refusal; subscribing outside: SUBACK 0x80 for that filter.
// - a packet over maxPacketBytes: the connection is closed as soon as its header arrives.
// Revoking a device refuses its next connect; disconnectDevice cuts a live session.
// - a device frame is acknowledged only once the hub's ingest has stored it (see intake.ts); while
//   ingest takes no frames (hub starting or stopping), the connection is closed instead.
import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import type { AuthenticateError, Client } from 'aedes';
import { createLogger } from '@pretag/shared/log/logger';
import type { Logger } from '@pretag/shared/log/logger';
import { topicPrefixProblem, topicScheme } from '@pretag/shared/mqtt/topics';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';
import { mayPublish, maySubscribe } from './acl.ts';
import type { Identity } from './acl.ts';
import type { VerifyResult } from './device-registry.ts';
import { GuardedConnection } from './guarded-connection.ts';
import { createIntakePort, filterMatches, registerIntakePort } from './intake.ts';
import type { Refusal } from './guarded-connection.ts';
import { MQTT_MAX_REMAINING_LENGTH } from './packet-size.ts';
import { RejectionCounter } from './rejections.ts';
import type { RejectionCounts, RejectionReason } from './rejections.ts';
import { deviceMayUseClientId } from './usernames.ts';

/** What the broker needs from the device registry. */
export interface DeviceVerifier {
  verify(username: unknown, password: unknown): Promise<VerifyResult>;
}

/** The hub's own client: trusted under the prefix, authenticated by a secret of its own. */
export interface HubCredentials {
  username: string;
  password: string;
}

export interface BrokerTlsOptions {
  port: number;
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
}

export interface BrokerOptions {
  port: number;
  host?: string;
  tls?: BrokerTlsOptions;
  /** Largest MQTT packet (header included) a client may send; larger ones drop the connection. */
  maxPacketBytes: number;
  registry: DeviceVerifier;
  prefix: string;
  hubCredentials: HubCredentials;
  logger?: Logger;
  /** A socket that sends no CONNECT within this time is closed (aedes' default is 30 s). */
  connectTimeoutMs?: number;
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly aedes: Aedes;
  rejections(): RejectionCounts;
  /** Cuts a device's live sessions (after a revoke, say); its will is published. */
  disconnectDevice(ref: DeviceRef): number;
  close(): Promise<void>;
}

/** The largest packet MQTT can frame: 1 type byte, 4 length bytes, 256 MiB of body. */
export const MQTT_MAX_PACKET_BYTES = 1 + 4 + MQTT_MAX_REMAINING_LENGTH;

// MQTT 3.1.1 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** Marks errors the broker raised on purpose, already counted, so they are not re-counted. */
class Refused extends Error {
  override name = 'Refused';
}

function authError(message: string, returnCode: number): AuthenticateError {
  const err = new Refused(message) as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function optionsProblem(o: BrokerOptions): string | undefined {
  const prefixBad = topicPrefixProblem(o.prefix);
  if (prefixBad) return `prefix ${prefixBad}`;
  if (!Number.isSafeInteger(o.maxPacketBytes) || o.maxPacketBytes < 64)
    return `maxPacketBytes must be a whole number of at least 64, got ${o.maxPacketBytes}`;
  if (o.maxPacketBytes > MQTT_MAX_PACKET_BYTES)
    return `maxPacketBytes must be at most ${MQTT_MAX_PACKET_BYTES} (MQTT's limit)`;
  const hubUser = o.hubCredentials.username;
  if (!hubUser || hubUser.includes('@'))
    return 'hubCredentials.username must be non-empty and contain no "@" (device names use it)';
  if (o.hubCredentials.password.length < 16)
    return 'hubCredentials.password must be at least 16 characters';
  return undefined;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

export async function startBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const problem = optionsProblem(opts);
  if (problem) throw new Error(`broker options: ${problem}`);
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? createLogger({ name: 'broker' });
  const counter = new RejectionCounter();
  const identities = new WeakMap<Client, Identity>();
  const hubUser = opts.hubCredentials.username;
  const hubSecret = digest(opts.hubCredentials.password);
  const scheme = topicScheme(opts.prefix);
  const intakePort = createIntakePort();
  let unregisterIntake = (): void => undefined;
  // Hub clients subscribed to frames: without an intake, they are who takes frames.
  const frameTakers = new Set<Client>();
  const anyFrameTopic = scheme.frame('s', 'd', 'c');
  // Payloads the intake already stored: not forwarded to the hub's subscriber a second time.
  const taken = new WeakSet<Buffer>();

  // The first refusal of each kind is a warning; repeats go to debug so a device stuck in a
  // reconnect loop cannot flood the log. The counters keep the full tally.
  const warned = new Set<RejectionReason>();
  const refuse = (reason: RejectionReason, fields: Record<string, unknown>, msg: string) => {
    counter.add(reason);
    const level = warned.has(reason) ? 'debug' : 'warn';
    warned.add(reason);
    log[level]({ reason, ...fields }, msg);
  };

  const aedes = await Aedes.createBroker({
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeout: opts.connectTimeoutMs } : {}),

    authenticate(client, username, password, done) {
      const pw = password?.toString('utf8');
      const fields = { clientId: client.id, username: username?.slice(0, 130) };
      if (username === hubUser) {
        const ok = pw !== undefined && timingSafeEqual(digest(pw), hubSecret);
        if (!ok) {
          refuse('bad_credentials', fields, 'hub client refused: wrong password');
          return done(authError('bad credentials', BAD_USERNAME_OR_PASSWORD), false);
        }
        identities.set(client, { kind: 'hub' });
        return done(null, true);
      }
      // Resolves to the refusal, or null when the device is in.
      const check = async (): Promise<AuthenticateError | null> => {
        const r = await opts.registry.verify(username, pw);
        if (!r.ok) {
          const revoked = r.reason === 'revoked';
          refuse(revoked ? 'revoked' : 'bad_credentials', fields, `connect refused: ${r.reason}`);
          return authError(r.reason, revoked ? NOT_AUTHORIZED : BAD_USERNAME_OR_PASSWORD);
        }
        if (!deviceMayUseClientId(client.id, username as string)) {
          const msg = 'client id must be the user name or start with "<user name>/"';
          refuse('client_id', fields, `connect refused: ${msg}`);
          return authError(msg, IDENTIFIER_REJECTED);
        }
        identities.set(client, { kind: 'device', ref: r.device });
        return null;
      };
      check()
        .then(
          (refusal) => done(refusal, refusal === null),
          (err: unknown) => {
            log.error({ err, ...fields }, 'credential check failed');
            done(authError('credential store unavailable', SERVER_UNAVAILABLE), false);
          },
        )
        // A throw inside aedes' callback must not become an unhandled rejection.
        .catch((err: unknown) => log.error({ err, ...fields }, 'authenticate callback failed'));
    },

    authorizePublish(client, packet, done) {
      const id = client ? identities.get(client) : undefined;
      const d = mayPublish(id, packet.topic, opts.prefix);
      if (!d.ok) {
        // MQTT 3.1.1 cannot refuse a single publish: the client is disconnected.
        refuse('acl_publish', { clientId: client?.id }, d.reason);
        return done(new Refused(d.reason));
      }
      const t = id?.kind === 'device' ? scheme.parse(packet.topic) : undefined;
      if (!t?.ok || t.topic.kind !== 'frame') return done(null);
      const notNow = (): void => {
        refuse('hub_not_ready', { clientId: client?.id }, 'frame refused: hub ingest not ready');
        done(new Refused('the hub is not taking frames now; send it again later'));
      };
      const intake = intakePort.current();
      const payload = packet.payload;
      // Before any ingest attached (tests, tools), a hub subscriber takes frames over MQTT.
      if (intake === undefined) return frameTakers.size > 0 ? done(null) : notNow();
      if (intake === 'detached' || typeof payload === 'string') return notNow();
      // The PUBACK waits for the ledger: that is what lets the edge drop the frame.
      intake(packet.topic, payload).then(
        (outcome) => {
          if (outcome === 'closed') return notNow();
          taken.add(payload);
          done(null);
        },
        (err: unknown) => {
          log.error({ err, clientId: client?.id }, 'frame intake failed');
          notNow();
        },
      );
    },

    authorizeForward(client, packet) {
      const p = packet.payload;
      if (typeof p !== 'string' && taken.has(p) && identities.get(client)?.kind === 'hub')
        return null;
      return packet;
    },

    authorizeSubscribe(client, sub, done) {
      const d = maySubscribe(identities.get(client), sub.topic, opts.prefix);
      if (d.ok) return done(null, sub);
      refuse('acl_subscribe', { clientId: client.id }, d.reason);
      done(null, null); // SUBACK 0x80 (failure) for this filter; the connection stays up.
    },
  });

  const onClientError = (client: Client | null, err: Error) => {
    // Ours are already counted; socket errors (ECONNRESET, EPIPE) are the network, not abuse.
    if (err instanceof Refused || (err as NodeJS.ErrnoException).code !== undefined) return;
    if (err.message === 'connect did not arrive in time') return;
    refuse('malformed', { clientId: client?.id, error: err.message }, 'protocol violation');
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  const live = new Set<Client>();
  aedes.on('client', (c) => live.add(c));
  aedes.on('clientDisconnect', (c) => {
    live.delete(c);
    frameTakers.delete(c);
  });
  aedes.on('subscribe', (subs, c) => {
    if (
      identities.get(c)?.kind === 'hub' &&
      subs.some((s) => filterMatches(s.topic, anyFrameTopic))
    )
      frameTakers.add(c);
  });
  aedes.on('unsubscribe', (filters, c) => {
    if (filters.some((f) => filterMatches(f, anyFrameTopic))) frameTakers.delete(c);
  });

  const sockets = new Set<Socket>();
  const handle = (socket: net.Socket | tls.TLSSocket) => {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const onRefuse = (r: Refusal) =>
      r.reason === 'oversized'
        ? refuse(
            'oversized',
            { remote, bytes: r.packetBytes, type: r.packetType },
            `packet of ${r.packetBytes} bytes is over the ${opts.maxPacketBytes}-byte limit: connection dropped`,
          )
        : refuse('malformed', { remote, error: r.detail }, `not MQTT: ${r.detail}`);
    aedes.handle(new GuardedConnection(socket, opts.maxPacketBytes, onRefuse));
  };
  const track = (server: net.Server) => {
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    server.on('error', (err) => log.error({ err }, 'broker listener error'));
    return server;
  };

  const plain = track(net.createServer(handle));
  const secure = opts.tls
    ? track(tls.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca }, handle))
    : undefined;
  secure?.on('tlsClientError', (err: Error) =>
    log.debug({ err: err.message }, 'TLS handshake failed'),
  );

  let port: number;
  let tlsPort: number | undefined;
  try {
    port = await listen(plain, opts.port, host);
    tlsPort = secure && opts.tls ? await listen(secure, opts.tls.port, host) : undefined;
  } catch (err) {
    await closeServer(plain);
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  unregisterIntake = registerIntakePort(
    hubUser,
    tlsPort === undefined ? [port] : [port, tlsPort],
    intakePort,
  );
  log.info({ host, port, tlsPort, maxPacketBytes: opts.maxPacketBytes }, 'MQTT broker listening');

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    tlsPort,
    aedes,
    rejections: () => counter.snapshot(),
    disconnectDevice(ref) {
      let n = 0;
      for (const c of live) {
        const id = identities.get(c);
        if (id?.kind === 'device' && id.ref.site === ref.site && id.ref.device === ref.device) {
          c.close();
          n++;
        }
      }
      return n;
    },
    close() {
      closing ??= (async () => {
        unregisterIntake();
        const servers = [closeServer(plain), secure ? closeServer(secure) : Promise.resolve()];
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        // Sockets still in a TLS handshake or before CONNECT are not aedes' yet.
        for (const s of sockets) s.destroy();
        await Promise.all(servers);
      })();
      return closing;
    },
  };
}
