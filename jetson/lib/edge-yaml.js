// Provisioning helper, run with the installed Node from inside a release (so @pretag/shared and
// yaml resolve from its node_modules):
//
//   node edge-yaml.js render --bundle FILE [--existing FILE] [--set key.path=value ...]
//       prints edge.yaml: the existing file if there is one (a site engineer's edits win), else the
//       bundle's starting edge.yaml; each --set is applied only where the key is absent.
//   node edge-yaml.js paths FILE
//       validates FILE with the agent's own loader and prints the paths the unit needs as
//       shell assignments (SPOOL_DIR=..., CREDENTIALS=..., HEALTH_HOST=..., HEALTH_PORT=...).
//
// Errors go to stderr with exit 1; comments and key order in an existing file are kept.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { formatConfigErrors, loadConfigFile } from '@pretag/shared/config/load';

function fail(message) {
  process.stderr.write(`edge-yaml: ${message}\n`);
  process.exit(1);
}

function readText(file, what) {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read the ${what} ${file}: ${err.code ?? err.message}`);
  }
}

function render(args) {
  let bundleFile;
  let existing;
  const sets = [];
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === '--bundle') bundleFile = value;
    else if (flag === '--existing') existing = value;
    else if (flag === '--set') sets.push(value);
    else fail(`unknown option ${flag}`);
  }
  if (!bundleFile) fail('--bundle is required');
  let bundle;
  try {
    bundle = JSON.parse(readText(bundleFile, 'bundle'));
  } catch (err) {
    fail(`the bundle ${bundleFile} is not JSON (${err.message})`);
  }
  const source = existing ? readText(existing, 'edge.yaml') : bundle.edgeYaml;
  if (typeof source !== 'string' || source.trim() === '')
    fail(`the bundle ${bundleFile} has no edgeYaml: was it printed by \`pretag hub device add\`?`);
  const doc = parseDocument(existing ? source : source.replace(/^# Save this bundle.*\n/, ''));
  if (doc.errors.length) fail(`edge.yaml does not parse: ${doc.errors[0].message}`);
  // The bundle's own header tells where to save the bundle; on the device that is done.
  if (!existing)
    doc.commentBefore =
      ' Written by jetson/provision.sh from the device bundle. Edit the cameras here; the agent\n' +
      ' applies changes without a restart. `pretag config check` explains this file.';
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) fail(`--set wants key.path=value, got ${s}`);
    const keyPath = s.slice(0, eq).split('.');
    if (!doc.hasIn(keyPath)) doc.setIn(keyPath, s.slice(eq + 1));
  }
  process.stdout.write(doc.toString());
}

function paths(args) {
  const [file] = args;
  if (!file) fail('paths FILE');
  const r = loadConfigFile(file, 'edge');
  if (!r.ok) fail(`${file} is not a valid edge.yaml:\n${formatConfigErrors(r.errors)}`);
  const c = r.config;
  const q = (v) => `'${String(v).replaceAll("'", "'\\''")}'`;
  process.stdout.write(
    [
      `SITE=${q(c.site)}`,
      `DEVICE=${q(c.device)}`,
      `SPOOL_DIR=${q(c.spool.dir)}`,
      `CREDENTIALS=${q(c.hub.credentials)}`,
      `HEALTH_HOST=${q(c.health.host === '0.0.0.0' || c.health.host === '::' ? '127.0.0.1' : c.health.host)}`,
      `HEALTH_PORT=${q(c.health.port)}`,
      `ENGINE_CACHE=${q(c.model.tensorrt.engine_cache ?? '')}`,
      '',
    ].join('\n'),
  );
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'render') render(rest);
else if (command === 'paths') paths(rest);
else fail('usage: edge-yaml.js render|paths ...');
