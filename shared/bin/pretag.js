#!/usr/bin/env node
// Launcher for the pretag CLI. The sources are TypeScript that Node runs directly (type
// stripping), so a Jetson needs no build step. Node 22.12-22.17 need the flag turned on.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `pretag needs Node.js 22.12 or newer (24 LTS recommended); this is ${process.version}.\n` +
      'Run ./setup.sh in the pretag checkout, then use `npx pretag` there.',
  );
  process.exit(1);
}
if (!process.features.typescript) {
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const r = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings', main, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}
await import('../src/cli/main.ts');
