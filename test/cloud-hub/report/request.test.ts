// `pretag report` options into the hub request: defaults, the token from the environment, a hub
// behind a path prefix, and a clear message for each bad option.
import { describe, expect, it } from 'vitest';
import { reportRequest } from '../../../cloud-hub/src/report/request.ts';

const TODAY = '2026-11-27';

describe('reportRequest', () => {
  it('defaults to the 7 days ending today, JSON, token from PRETAG_TOKEN', () => {
    const r = reportRequest({ hub: 'http://hub.local:8080' }, { PRETAG_TOKEN: 'tok' }, TODAY);
    if (!r.ok) throw new Error(r.message);
    expect(r.request.token).toBe('tok');
    expect(r.request.format).toBe('json');
    // 21 Nov to 27 Nov inclusive is 7 days.
    expect(r.request.url.href).toBe(
      'http://hub.local:8080/v1/reports/daily?from=2026-11-21&to=2026-11-27&format=json',
    );
  });

  it('--token wins over the environment; filters and a path prefix are kept', () => {
    const r = reportRequest(
      {
        hub: 'https://example.org/pretag/',
        token: 'cli',
        from: '2026-11-01',
        to: '2026-11-02',
        site: 'dublin plant&2',
        camera: 'cam-0',
        format: 'html',
        cameras: '250',
      },
      { PRETAG_TOKEN: 'env' },
      TODAY,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.request.token).toBe('cli');
    expect(r.request.url.pathname).toBe('/pretag/v1/reports/daily');
    expect(Object.fromEntries(r.request.url.searchParams)).toEqual({
      from: '2026-11-01',
      to: '2026-11-02',
      site: 'dublin plant&2',
      camera: 'cam-0',
      cameras: '250',
      format: 'html',
    });
  });

  it.each([
    [{ token: 't' }, '--hub: the hub URL is required'],
    [{ hub: 'ftp://hub' }, '--hub: expected an http:// or https:// URL'],
    [{ hub: 'http://h' }, 'no token: give --token or set PRETAG_TOKEN'],
    [{ hub: 'http://h', token: 't', from: '27/11/2026' }, '--from: expected a day YYYY-MM-DD'],
    [{ hub: 'http://h', token: 't', to: '2026-13-01' }, '--to: expected a day YYYY-MM-DD'],
    [
      { hub: 'http://h', token: 't', from: '2026-11-28' },
      '--from 2026-11-28 is after --to 2026-11-27',
    ],
    [{ hub: 'http://h', token: 't', format: 'pdf' }, '--format: expected json, csv or html'],
    [{ hub: 'http://h', token: 't', cameras: '0' }, '--cameras: expected a whole number'],
  ])('%j is refused: %s', (options, message) => {
    const r = reportRequest(options, {}, TODAY);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
});
