// Provisioning helper: prove the device's credentials work against the hub before the agent
// starts. Connects to the hub's MQTT broker as the device (client id "<user>/provision", clean
// session, so the agent's persistent session is untouched), and, when blobs go to the hub's
// store, checks that its API answers /healthz. Publishes nothing.
//
//   node check-in.js CREDENTIALS_FILE [--timeout-s N] [--validate-only]
//
// --validate-only checks the file the way the agent reads it and stops there.
// Exit 0 with one line on success; exit 1 with the reason (refused credentials, unreachable).
/* global fetch, AbortSignal */
import { connect } from 'mqtt';
import { loadCredentials } from '@pretag/edge-agent/uplink/credentials';

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--timeout-s');
const t = args.indexOf('--timeout-s');
const timeoutS = t >= 0 ? Number(args[t + 1]) : 20;
const validateOnly = args.includes('--validate-only');

function fail(message) {
  process.stderr.write(`check-in: ${message}\n`);
  process.exit(1);
}

if (!file) fail('usage: check-in.js CREDENTIALS_FILE [--timeout-s N] [--validate-only]');
if (!(timeoutS > 0)) fail('--timeout-s wants a positive number of seconds');
let creds;
try {
  creds = loadCredentials(file).credentials;
} catch (err) {
  fail(err.message);
}
if (validateOnly) {
  process.stdout.write(`credentials valid: ${creds.mqtt.username} for ${creds.mqtt.url}\n`);
  process.exit(0);
}

// MQTT CONNACK codes (3.1.1) / reason codes (5) that mean "these credentials are refused".
const REFUSED = new Set([4, 5, 134, 135]);

const broker = await new Promise((resolve) => {
  const client = connect(creds.mqtt.url, {
    username: creds.mqtt.username,
    password: creds.mqtt.password,
    clientId: `${creds.mqtt.username}/provision`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutS * 1000,
  });
  const done = (r) => {
    client.end(true);
    resolve(r);
  };
  client.once('connect', () => done({ ok: true }));
  client.once('error', (err) => {
    const code = err.code;
    done({
      ok: false,
      why:
        typeof code === 'number' && REFUSED.has(code)
          ? `the broker refused ${creds.mqtt.username} (${err.message}): the device was revoked or the bundle is stale; run \`pretag hub device add\` again`
          : `cannot connect to ${creds.mqtt.url}: ${err.message}`,
    });
  });
  client.once('close', () => done({ ok: false, why: `${creds.mqtt.url} closed the connection` }));
});
if (!broker.ok) fail(broker.why);

if ('url' in creds.blob) {
  const health = new URL('/healthz', creds.blob.url);
  try {
    const res = await fetch(health, { signal: AbortSignal.timeout(timeoutS * 1000) });
    if (!res.ok) fail(`the hub API at ${health.href} answered HTTP ${res.status}`);
  } catch (err) {
    fail(`cannot reach the hub API at ${health.href}: ${err.cause?.message ?? err.message}`);
  }
}

process.stdout.write(
  `checked in: ${creds.mqtt.username} accepted by ${creds.mqtt.url}${'url' in creds.blob ? `, hub API ${creds.blob.url} up` : ''}\n`,
);
process.exit(0);
