// `pretag config check` as a user runs it: a real subprocess, exit codes, stdout and stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/media.ts';

function pretag(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'shared/bin/pretag.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'pretag-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pretag config check', () => {
  it('prints resolved settings per camera and the window in force at --at', () => {
    // 23:00Z on 28 March 2026 is 23:00 GMT in Dublin: inside the 19:00-07:00 window.
    const r = pretag(
      'config',
      'check',
      'edge-agent/edge.example.yaml',
      '--at',
      '2026-03-28T23:00:00Z',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('edge-agent/edge.example.yaml: OK');
    expect(r.stdout).toContain('time: 2026-03-28 23:00 Europe/Dublin');
    expect(r.stdout).toMatch(
      /camera dock-door-3: rtsp:\/\/10\.0\.0\.13\/stream1 \(enabled, hwaccel nvmpi\)\n {2}schedule window now: 19:00-07:00 \(defaults\.schedule\[0\]\)/,
    );
    // the window raises dock-door-3's own 0.3 to the night-time 0.45
    expect(r.stdout).toMatch(/prefilter\.min_score +0\.45 +window 19:00-07:00/);
    expect(r.stdout).toMatch(
      /camera yard-east: .*\n {2}schedule window now: 22:00-06:00 \(cameras\.yard-east\.schedule\[0\]\)/,
    );
  });

  it('in the day no window applies', () => {
    // 12:00Z on 1 July is 13:00 IST.
    const r = pretag(
      'config',
      'check',
      'edge-agent/edge.example.yaml',
      '--at',
      '2026-07-01T12:00:00Z',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('time: 2026-07-01 13:00 Europe/Dublin');
    expect(r.stdout).toMatch(/camera dock-door-3: .*\n {2}schedule window now: none/);
    expect(r.stdout).toMatch(/prefilter\.min_score +0\.3 +camera/);
  });

  it('--json prints the resolved structure', () => {
    const r = pretag(
      'config',
      'check',
      'edge-agent/edge.example.yaml',
      '--json',
      '--at',
      '2026-03-29T21:30:00Z',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      kind: string;
      cameras: Record<
        string,
        {
          window?: { from: string };
          settings: { max_fps: number; prefilter: { min_score: number } };
        }
      >;
    };
    expect(out.kind).toBe('edge');
    // 21:30Z on 29 March is 22:30 IST: yard-east's own 22:00-06:00 window applies.
    expect(out.cameras['yard-east']?.window?.from).toBe('22:00');
    expect(out.cameras['yard-east']?.settings.max_fps).toBe(1);
    expect(out.cameras['dock-door-3']?.settings.prefilter.min_score).toBe(0.45);
  });

  it('the hub example validates', () => {
    const r = pretag(
      'config',
      'check',
      'cloud-hub/hub.example.yaml',
      '--at',
      '2026-03-29T21:00:00Z',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cloud-hub/hub.example.yaml: OK (hub config)');
    expect(r.stdout).toMatch(
      /cleanup for camera dock-door-3 .*\n {2}schedule window now: 20:00-06:00/,
    );
  });

  it('a broken file exits 1 and prints every error as file:line:col key.path: message', () => {
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(
      file,
      [
        'site: s1', // 1
        'device: d1', // 2
        'hub:', // 3
        '  mqtt: mqtt://hub:1883', // 4
        '  blob: { hub: { url: http://hub:8080 } }', // 5
        'defaults:', // 6
        '  audit_rat: 0.05', // 7
        'cameras:', // 8
        '  dock-door-3:', // 9
        '    url: rtsp://10.0.0.13/stream1', // 10
        '    prefilter: { min_score: high }', // 11
        '',
      ].join('\n'),
    );
    const r = pretag('config', 'check', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      `${file}:7:3 defaults.audit_rat: unknown key "audit_rat" (did you mean "audit_rate"?)`,
      `${file}:11:29 cameras.dock-door-3.prefilter.min_score: expected a number between 0 and 1, got "high"`,
    ]);
    expect(r.stderr).toContain(`pretag: ${file}: 2 problems found`);
  });

  it('--kind hub on an edge file reports the edge keys as unknown', () => {
    const r = pretag('config', 'check', 'edge-agent/edge.example.yaml', '--kind', 'hub');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/edge\.example\.yaml:\d+:1 site: unknown key "site"/);
  });

  it('a missing file and a bad --at are clear errors', () => {
    const missing = pretag('config', 'check', path.join(dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml:1:1 cannot read the file: file not found');
    const badAt = pretag('config', 'check', 'edge-agent/edge.example.yaml', '--at', 'teatime');
    expect(badAt.code).toBe(1);
    expect(badAt.stderr).toContain(
      '--at: expected an ISO time such as 2026-03-29T06:30:00Z, got "teatime"',
    );
  });
});
