// The HTML report renderer on a hand-made report: the embedded JSON gives back the report
// exactly, figures worked out by hand appear in the visible text, every SVG is well-formed XML
// that libvips rasterises, every chart has a table, and hostile site names and labels are
// escaped everywhere.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ReportDocument } from '../../../cloud-hub/src/api/reports/insights.ts';
import { projectToCameras } from '../../../cloud-hub/src/costs/projection.ts';
import { estimateRecall } from '../../../cloud-hub/src/costs/recall.ts';
import { costReport, DEFAULT_PRICES } from '../../../cloud-hub/src/costs/report.ts';
import { suggestThreshold } from '../../../cloud-hub/src/costs/thresholds.ts';
import { renderReportHtml } from '../../../cloud-hub/src/report/html.ts';

const HOSTILE_SITE = '<script>alert("pwned")</script> & Co';
const HOSTILE_LABEL = '"><img src=x onerror=alert(1)>';

const cam0 = costReport(
  { decoded: 1500, sampled: 150, gated: 60, inferred: 60, uploaded: 15, audited: 3, motion: 1 },
  {
    uploadedBytes: 600_000,
    computeSeconds: 2,
    detectionsBefore: 4,
    detectionsAfter: 2,
    pretaggedFrames: 1,
  },
  DEFAULT_PRICES,
);
const cam1 = costReport(
  { decoded: 200, sampled: 20, gated: 8, inferred: 8, uploaded: 4, audited: 0, motion: 0 },
  {
    uploadedBytes: 50_000,
    computeSeconds: 0,
    detectionsBefore: 0,
    detectionsAfter: 0,
    pretaggedFrames: 0,
  },
  DEFAULT_PRICES,
);
const total = costReport(
  { decoded: 1700, sampled: 170, gated: 68, inferred: 68, uploaded: 19, audited: 3, motion: 1 },
  {
    uploadedBytes: 650_000,
    computeSeconds: 2,
    detectionsBefore: 4,
    detectionsAfter: 2,
    pretaggedFrames: 1,
  },
  DEFAULT_PRICES,
);
const recallInput = { positives: 40, rejected: 100, audited: 10, misses: 1 };
const projected = projectToCameras(total, { cameras: 2, days: 2 }, 1000);
if (!projected) throw new Error('fixture: projection');
const projection = projected;

function makeDoc(): ReportDocument {
  return {
    from: '2026-11-27',
    to: '2026-11-28',
    rows: [
      { site: 'dublin-plant-2', camera: 'cam-0', day: '2026-11-27', report: cam0 },
      { site: HOSTILE_SITE, camera: 'cam-1', day: '2026-11-28', report: cam1 },
    ],
    total,
    byDay: [
      { day: '2026-11-27', report: cam0 },
      { day: '2026-11-28', report: cam1 },
    ],
    byCamera: [
      { site: 'dublin-plant-2', camera: 'cam-0', report: cam0 },
      { site: HOSTILE_SITE, camera: 'cam-1', report: cam1 },
    ],
    recall: { input: recallInput, estimate: estimateRecall(recallInput) },
    projection: { ok: true, observed: { cameras: 2, days: 2 }, result: projection },
    thresholds: [
      suggestThreshold({
        camera: 'cam-0',
        label: HOSTILE_LABEL,
        threshold: 0.35,
        reviews: Array.from({ length: 20 }, (_, i) => ({
          score: 0.4,
          verdict: i < 18 ? ('rejected' as const) : ('accepted' as const),
        })),
        missed: 0,
      }),
    ],
  };
}

/** The text of the embedded report-data script element. */
function embedded(html: string): unknown {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m?.[1]) throw new Error('no report-data element');
  return JSON.parse(m[1]);
}

/** What a reader sees: tags and the data script removed, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/**
 * A minimal XML well-formedness check: tags balance and nest, attribute values are quoted,
 * and text holds no bare `<` or unknown `&` entity. Returns the problem or undefined.
 */
function xmlProblem(xml: string): string | undefined {
  const stack: string[] = [];
  const token =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|#\d+);)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(xml))) {
    if (m[0] === '<') return `bare < at ${m.index}: ${xml.slice(m.index, m.index + 40)}`;
    if (m[0] === '&') return `bare & at ${m.index}: ${xml.slice(m.index, m.index + 40)}`;
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open}>`;
    } else stack.push(name ?? '');
  }
  return stack.length === 0 ? undefined : `unclosed <${stack.join('> <')}>`;
}

const svgsOf = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

describe('renderReportHtml', () => {
  const doc = makeDoc();
  const html = renderReportHtml(doc);
  const text = visibleText(html);

  it('embeds the report JSON, which parses back to exactly the report given', () => {
    expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('shows figures worked out by hand from the counters', () => {
    // Annotation: 150 sampled × $0.05; with pre-tagging 14 × $0.05 + 1 × $0.01.
    expect(text).toContain('$7.50');
    expect(text).toContain('$0.71');
    // Totals: 170 × $0.05 = $8.50; 18 × $0.05 + $0.01 = $0.91.
    expect(text).toContain('$8.50');
    expect(text).toContain('$0.91');
    // Infrastructure: 2 s × $0.10/h + 0.00065 GB × $0.02 = $0.0000686: two significant
    // digits, not a misleading $0.00.
    expect(text).toContain('Infrastructure $0.000069');
    // Funnel counts with thousands separators.
    expect(text).toContain('1,500');
    expect(text).toContain('1,700');
    // Bytes: 600 000 B uploaded; 150 sampled × 40 000 B mean = 6 MB; 20 × 12 500 B = 250 kB.
    expect(text).toContain('600.00 kB');
    expect(text).toContain('6.00 MB');
    expect(text).toContain('250.00 kB');
    // Recall: misses 1/10 of 100 rejected = 10 missed; 40 / (40 + 10) = 80 %.
    expect(text).toMatch(/Estimated recall 80% ,? ?95% interval/);
    // Projection: $8.50 over 2 cameras × 2 days → × 1000 / 4 per day × 30 = $63,750.00.
    expect(text).toContain('$63,750.00');
    // Threshold: 18 of 20 rejected just above 0.35 → raise by the 0.05 step.
    expect(text).toMatch(/0\.35 0\.40 raise/);
  });

  it('has a title, headings, an SVG title and desc per chart, and a table per chart', () => {
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<title>Pretag report 2026-11-27 to 2026-11-28</title>');
    const svgs = svgsOf(html);
    // funnel, bytes, annotation, trend, recall, projection
    expect(svgs).toHaveLength(6);
    for (const svg of svgs) {
      expect(svg).toMatch(/role="img"/);
      expect(svg).toMatch(
        /<title id="[\w-]+-title">[^<]+<\/title><desc id="[\w-]+-desc">[^<]+<\/desc>/,
      );
    }
    expect((html.match(/<table>/g) ?? []).length).toBeGreaterThanOrEqual(svgs.length);
    expect((html.match(/<h2 /g) ?? []).length).toBeGreaterThanOrEqual(8);
  });

  it('needs nothing from outside the page', () => {
    expect(html).not.toMatch(/<link\b|<[a-z]+\s[^<>]*\b(?:src|href)=|url\(|@import/);
    // The only URL is the SVG namespace.
    expect(html.match(/https?:\/\/[^\s"<]+/g) ?? []).toEqual(
      svgsOf(html).map(() => 'http://www.w3.org/2000/svg'),
    );
  });

  it('every SVG is well-formed XML that libvips rasterises', async () => {
    for (const svg of svgsOf(html)) {
      expect(xmlProblem(svg)).toBeUndefined();
      const png = await sharp(Buffer.from(svg)).png().toBuffer();
      const meta = await sharp(png).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBe(760);
    }
  });

  it('escapes hostile site names and labels in text, attributes, SVG and the JSON', () => {
    // The only script element is the data one: the hostile name never opens another.
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain(HOSTILE_SITE);
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co');
    expect(text).toContain(HOSTILE_SITE);
    expect(text).toContain(HOSTILE_LABEL);
    // The data element does not end early and still carries the exact strings.
    const data = embedded(html) as ReportDocument;
    expect(data.rows[1]?.site).toBe(HOSTILE_SITE);
    expect(data.thresholds[0]?.label).toBe(HOSTILE_LABEL);
    // The chart holding the hostile site is still well-formed.
    for (const svg of svgsOf(html)) expect(xmlProblem(svg)).toBeUndefined();
  });

  it('says why when recall cannot be estimated and nothing is projected', () => {
    const empty: ReportDocument = {
      ...makeDoc(),
      rows: [],
      byDay: [],
      byCamera: [],
      recall: {
        input: { positives: 0, rejected: 0, audited: 0, misses: 0 },
        estimate: estimateRecall({ positives: 0, rejected: 0, audited: 0, misses: 0 }),
      },
      projection: { ok: false, reason: 'no camera reported in the range: nothing to project' },
      thresholds: [],
    };
    const t = visibleText(renderReportHtml(empty));
    expect(t).toContain('Not estimated: no audit frames yet: recall cannot be estimated');
    expect(t).toContain('no camera reported in the range: nothing to project');
    expect(t).toContain('No reviews in this period');
    for (const svg of svgsOf(renderReportHtml(empty))) expect(xmlProblem(svg)).toBeUndefined();
  });
});
