// The demo's pure parts: the summary table (figures summed per camera, upload share by hand) and
// the QA gallery page (boxes placed where the detections say, text escaped, reasons readable).
import { describe, expect, it } from 'vitest';
import { galleryHtml, reasonText } from '../../../cloud-hub/src/demo/qa-gallery.ts';
import { summaryTable } from '../../../cloud-hub/src/demo/summary-table.ts';

function row(
  camera: string,
  f: [number, number, number, number],
  kept: number,
  usd: [number, number],
) {
  return {
    camera,
    report: {
      frames: { sampled: f[0], gated: f[1], inferred: f[2], uploaded: f[3] },
      detections: { after: kept },
      annotation: { withoutPretag: { usd: usd[0] }, withPretag: { usd: usd[1] } },
    },
  };
}

describe('summaryTable', () => {
  it('sums a camera over days and shows its upload share', () => {
    const text = summaryTable([
      row('cam-1', [10, 8, 8, 5], 7, [0.5, 0.1]),
      row('cam-1', [6, 4, 4, 5], 2, [0.3, 0.04]),
      row('cam-2', [4, 0, 0, 0], 0, [0.2, 0]),
    ]);
    const lines = text.split('\n').map((l) => l.trim().split(/\s+/));
    expect(lines[0]?.slice(0, 6)).toEqual([
      'CAMERA',
      'SAMPLED',
      'GATED',
      'INFERRED',
      'UPLOADED',
      'UPLOAD',
    ]);
    // cam-1: 16 sampled, 10 uploaded → 62.5 %; $0.80 without, $0.14 with.
    expect(lines[1]).toEqual(['cam-1', '16', '12', '12', '10', '62.5%', '9', '$0.80', '$0.14']);
    expect(lines[2]).toEqual(['cam-2', '4', '0', '0', '0', '0.0%', '0', '$0.20', '$0.00']);
  });

  it('shows "-" for the share of a camera that sampled nothing', () => {
    expect(summaryTable([row('cam-9', [0, 0, 0, 0], 0, [0, 0])])).toContain('-');
  });
});

describe('QA gallery', () => {
  it('draws each kept box as an SVG rect in image pixels, with its label', () => {
    const html = galleryHtml([
      {
        frameId: 'cam-1-1-0',
        camera: 'cam-1',
        image: 'cam-1-1-0.jpg',
        width: 640,
        height: 480,
        reasons: { reason: 'near-threshold', tags: ['near-threshold'], stratum: 'cam-1|person|2' },
        boxes: [{ label: 'person', score: 0.61, box: [10, 20, 110, 220] }],
      },
    ]);
    expect(html).toContain('viewBox="0 0 640 480"');
    expect(html).toContain('<image href="cam-1-1-0.jpg" width="640" height="480"/>');
    expect(html).toContain('<rect x="10" y="20" width="100" height="200"');
    expect(html).toContain('person 0.61');
    expect(html).toContain('sampled because: near-threshold (stratum cam-1|person|2)');
  });

  it('escapes text that could break the page', () => {
    const html = galleryHtml([
      {
        frameId: '<script>',
        camera: 'a&b',
        image: 'x.jpg',
        width: 1,
        height: 1,
        reasons: ['"quoted"'],
        boxes: [],
      },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('a&amp;b');
    expect(html).toContain('&quot;quoted&quot;');
  });

  it('reads reasons as strings, tagged objects or lists', () => {
    expect(reasonText(['diversity', { reason: 'audit-miss', tags: ['audit-miss'] }])).toBe(
      'diversity, audit-miss',
    );
    expect(reasonText(undefined)).toBe('');
  });
});
