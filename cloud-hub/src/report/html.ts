// The report as one self-contained HTML page: inline CSS, inline SVG charts, no external assets,
// printable. Pure: the JSON report document in, an HTML string out. Every figure shown is a
// value of the document passed through formatFigure, and the document itself is embedded as
// <script type="application/json" id="report-data"> so a test or a UI can compare. Every chart
// has a table with the same figures next to it.
import type { CostReport } from '../costs/report.ts';
import type { ReportDocument } from '../api/reports/insights.ts';
import type { BarChart } from './charts.ts';
import { barChartSvg, intervalChartSvg, pointChartSvg } from './charts.ts';
import { escapeText as esc, jsonForScript } from './escape.ts';
import type { FigureKind } from './format.ts';
import { formatFigure as fmt } from './format.ts';
import { intervalText, qualityPointChart } from './quality-chart.ts';

const FUNNEL = ['decoded', 'sampled', 'gated', 'inferred', 'uploaded'] as const;

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1a1a1a; background: #ffffff; margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid #1f4e99; padding-bottom: 4px; }
p.lead { margin: 0 0 16px; color: #333333; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px;
  margin: 16px 0; padding: 0; }
.cards div { border: 1px solid #c7ccd6; border-radius: 6px; padding: 10px 12px; }
.cards dt { font-size: 13px; color: #333333; }
.cards dd { margin: 2px 0 0; font-size: 22px; font-weight: 600; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 13px; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #c7ccd6; padding: 4px 6px; text-align: right; vertical-align: top;
  white-space: nowrap; }
td.wrap, thead th { white-space: normal; }
th[scope="row"], td.text, th.text { text-align: left; }
thead th { background: #eef1f6; }
tfoot th, tfoot td { font-weight: 600; background: #f6f7f9; }
.note { color: #333333; font-size: 13px; }
.problems { color: #8a1c1c; }
figure { margin: 0; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  table { font-size: 8pt; }
  .scroll { overflow: visible; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;

type Cell = { text: string; kind?: 'text' | 'wrap' };

function table(
  caption: string,
  head: string[],
  rows: { header: string; cells: Cell[] }[],
  foot?: { header: string; cells: Cell[] },
): string {
  const row = (r: { header: string; cells: Cell[] }) =>
    `<tr><th scope="row">${esc(r.header)}</th>${r.cells
      .map(
        (c) =>
          `<td${c.kind ? ` class="text${c.kind === 'wrap' ? ' wrap' : ''}"` : ''}>${esc(c.text)}</td>`,
      )
      .join('')}</tr>`;
  return (
    `<div class="scroll"><table><caption>${esc(caption)}</caption><thead><tr>${head
      .map((h, i) => {
        // A column of text (ids, labels) reads left-aligned, its heading too.
        const text = i === 0 || rows[0]?.cells[i - 1]?.kind !== undefined;
        return `<th scope="col"${text ? ' class="text"' : ''}>${esc(h)}</th>`;
      })
      .join('')}</tr></thead>` +
    `<tbody>${rows.map(row).join('')}</tbody>` +
    (foot ? `<tfoot>${row(foot)}</tfoot>` : '') +
    '</table></div>'
  );
}

const num = (v: number | null, kind: FigureKind): Cell => ({ text: fmt(v, kind) });

function chartFigure(chart: BarChart, tableHtml: string): string {
  return `<figure>${barChartSvg(chart)}</figure>${tableHtml}`;
}

interface Labelled {
  label: string;
  report: CostReport;
}

function funnelSection(items: Labelled[], total: CostReport): string {
  const chart: BarChart = {
    id: 'funnel',
    title: 'Frames at each edge stage, per camera',
    desc: 'For each camera, bars for frames decoded, sampled, gated, inferred and uploaded; the same figures are in the table below.',
    series: [...FUNNEL],
    groups: items.map((c) => ({
      label: c.label,
      bars: FUNNEL.map((k, i) => ({
        series: i,
        value: c.report.frames[k],
        text: fmt(c.report.frames[k], 'count'),
      })),
    })),
  };
  const cells = (r: CostReport) => [
    ...FUNNEL.map((k) => num(r.frames[k], 'count')),
    num(r.frames.audited, 'count'),
    num(r.frames.motion, 'count'),
  ];
  return (
    '<section aria-labelledby="h-funnel"><h2 id="h-funnel">Frames through the edge pipeline</h2>' +
    '<p class="note">Uploaded frames include audit frames (rejected by the pre-filter, sent to measure recall) and motion frames.</p>' +
    chartFigure(
      chart,
      table(
        'Frames per stage',
        ['Camera', ...FUNNEL, 'audited', 'motion'],
        items.map((c) => ({ header: c.label, cells: cells(c.report) })),
        { header: 'Total', cells: cells(total) },
      ),
    ) +
    '</section>'
  );
}

function bytesSection(items: Labelled[], total: CostReport): string {
  const chart: BarChart = {
    id: 'bytes',
    title: 'Bytes uploaded against bytes if every sampled frame had been sent, per camera',
    desc: 'For each camera, the bytes actually uploaded and the bytes that sending every sampled frame would have taken.',
    series: ['uploaded', 'if all sampled frames were sent'],
    groups: items.map((c) => ({
      label: c.label,
      bars: [
        { series: 0, value: c.report.bytes.uploaded, text: fmt(c.report.bytes.uploaded, 'bytes') },
        {
          series: 1,
          value: c.report.bytes.ifAllSampledSent,
          text: fmt(c.report.bytes.ifAllSampledSent, 'bytes'),
        },
      ],
    })),
  };
  const cells = (r: CostReport) => [
    num(r.bytes.uploaded, 'bytes'),
    num(r.bytes.ifAllSampledSent, 'bytes'),
    num(r.bytes.saved, 'bytes'),
    num(r.bytes.savedShare, 'share'),
    num(r.bytes.meanFrameBytes, 'bytes'),
  ];
  return (
    '<section aria-labelledby="h-bytes"><h2 id="h-bytes">Upload volume</h2>' +
    chartFigure(
      chart,
      table(
        'Bytes per camera',
        ['Camera', 'Uploaded', 'If all sampled sent', 'Saved', 'Saved share', 'Mean frame'],
        items.map((c) => ({ header: c.label, cells: cells(c.report) })),
        { header: 'Total', cells: cells(total) },
      ),
    ) +
    '</section>'
  );
}

function annotationSection(items: Labelled[], total: CostReport): string {
  const chart: BarChart = {
    id: 'annotation',
    title: 'Annotation cost without and with pre-tagging, per camera',
    desc: 'For each camera and in total, the cost of labelling every sampled frame from scratch against the cost of reviewing the uploaded, pre-tagged frames.',
    series: ['without pre-tagging', 'with pre-tagging'],
    groups: [...items, { label: 'Total', report: total }].map((c) => ({
      label: c.label,
      bars: [
        {
          series: 0,
          value: c.report.annotation.withoutPretag.usd,
          text: fmt(c.report.annotation.withoutPretag.usd, 'usd'),
        },
        {
          series: 1,
          value: c.report.annotation.withPretag.usd,
          text: fmt(c.report.annotation.withPretag.usd, 'usd'),
        },
      ],
    })),
  };
  const cells = (r: CostReport) => [
    num(r.annotation.withoutPretag.frames, 'count'),
    num(r.annotation.withoutPretag.usd, 'usd'),
    num(r.annotation.withPretag.frames, 'count'),
    num(r.annotation.withPretag.pretaggedFrames, 'count'),
    num(r.annotation.withPretag.usd, 'usd'),
    num(r.annotation.savedUsd, 'usd'),
    num(r.annotation.savedShare, 'share'),
  ];
  return (
    '<section aria-labelledby="h-annotation"><h2 id="h-annotation">Annotation cost</h2>' +
    chartFigure(
      chart,
      table(
        'Annotation workload and cost per camera',
        [
          'Camera',
          'Frames without',
          'Cost without',
          'Frames with',
          'Pre-tagged frames',
          'Cost with',
          'Saved',
          'Saved share',
        ],
        items.map((c) => ({ header: c.label, cells: cells(c.report) })),
        { header: 'Total', cells: cells(total) },
      ),
    ) +
    '</section>'
  );
}

function trendSection(doc: ReportDocument): string {
  const chart: BarChart = {
    id: 'trend',
    title: 'Cost per day',
    desc: 'For each day, annotation cost without pre-tagging, and the total with pre-tagging (annotation plus infrastructure).',
    series: ['annotation without pre-tagging', 'total with pre-tagging'],
    groups: doc.byDay.map((d) => ({
      label: d.day,
      bars: [
        {
          series: 0,
          value: d.report.annotation.withoutPretag.usd,
          text: fmt(d.report.annotation.withoutPretag.usd, 'usd'),
        },
        {
          series: 1,
          value: d.report.totalWithPretagUsd,
          text: fmt(d.report.totalWithPretagUsd, 'usd'),
        },
      ],
    })),
  };
  const cells = (r: CostReport) => [
    num(r.frames.sampled, 'count'),
    num(r.frames.uploaded, 'count'),
    num(r.bytes.uploaded, 'bytes'),
    num(r.detections.before, 'count'),
    num(r.detections.after, 'count'),
    num(r.infrastructure.computeSeconds, 'seconds'),
    num(r.annotation.withoutPretag.usd, 'usd'),
    num(r.annotation.withPretag.usd, 'usd'),
    num(r.infrastructure.totalUsd, 'usd'),
    num(r.totalWithPretagUsd, 'usd'),
  ];
  return (
    '<section aria-labelledby="h-trend"><h2 id="h-trend">Per day</h2>' +
    (doc.byDay.length === 0
      ? '<p>No activity in this period.</p>'
      : chartFigure(
          chart,
          table(
            'Figures per day, all cameras',
            [
              'Day',
              'Sampled',
              'Uploaded',
              'Bytes',
              'Detections before cleanup',
              'after',
              'Compute',
              'Annotation without',
              'Annotation with',
              'Infrastructure',
              'Total with pre-tagging',
            ],
            doc.byDay.map((d) => ({ header: d.day, cells: cells(d.report) })),
          ),
        )) +
    '</section>'
  );
}

function recallSection(doc: ReportDocument): string {
  const { input, estimate } = doc.recall;
  const inputs = table(
    'Audit counts behind the estimate',
    ['Count', 'Value'],
    [
      {
        header: 'Passed frames with a confirmed object (P)',
        cells: [num(input.positives, 'count')],
      },
      { header: 'Frames the pre-filter rejected (R)', cells: [num(input.rejected, 'count')] },
      { header: 'Audit frames checked in the cloud (A)', cells: [num(input.audited, 'count')] },
      { header: 'Audit frames with a missed object (m)', cells: [num(input.misses, 'count')] },
    ],
  );
  let body: string;
  if (!estimate.ok) body = `<p><strong>Not estimated:</strong> ${esc(estimate.reason)}</p>`;
  else {
    const texts = {
      estimate: fmt(estimate.recall, 'share'),
      low: fmt(estimate.low, 'share'),
      high: fmt(estimate.high, 'share'),
    };
    const conf = fmt(estimate.confidence, 'share');
    body =
      `<p>Estimated recall <strong>${esc(texts.estimate)}</strong>, ${esc(conf)} interval ${esc(texts.low)} to ${esc(texts.high)}.</p>` +
      `<figure>${intervalChartSvg({
        id: 'recall',
        title: 'Pre-filter recall with its confidence interval',
        desc: `Recall estimated from audit frames: ${texts.estimate}, ${conf} interval from ${texts.low} to ${texts.high}.`,
        estimate: estimate.recall,
        low: estimate.low,
        high: estimate.high,
        texts,
      })}</figure>` +
      table(
        'Recall estimate',
        ['Figure', 'Estimate', 'Low', 'High'],
        [
          {
            header: 'Recall',
            cells: [
              num(estimate.recall, 'share'),
              num(estimate.low, 'share'),
              num(estimate.high, 'share'),
            ],
          },
          {
            header: 'Miss rate among rejected frames',
            cells: [
              num(estimate.missRate.estimate, 'share'),
              num(estimate.missRate.low, 'share'),
              num(estimate.missRate.high, 'share'),
            ],
          },
          {
            header: 'Missed frames, estimated',
            cells: [num(estimate.estimatedMissedFrames, 'count'), { text: '' }, { text: '' }],
          },
        ],
      );
  }
  return (
    '<section aria-labelledby="h-recall"><h2 id="h-recall">Pre-filter recall</h2>' +
    body +
    inputs +
    '</section>'
  );
}

// Model quality from reviews: one table per model, a row per camera ('all' first) and ISO week.
function qualitySection(doc: ReportDocument): string {
  // A document from an older hub has no quality section.
  const q = (doc as Partial<ReportDocument>).quality;
  if (!q) return '';
  const head =
    '<section aria-labelledby="h-quality"><h2 id="h-quality">Model quality from reviews</h2>';
  if (q.cells.length === 0)
    return `${head}<p>No reviewed frames in this range yet: precision, recall and AP50 appear once QA samples are reviewed.</p></section>`;
  const ci = (v: { estimate: number; low: number; high: number } | null): Cell => ({
    text: intervalText(v),
  });
  const tables = q.models.map((m, i) => {
    const chart = pointChartSvg(qualityPointChart(q.cells, m, q.settings, `quality-${i}`));
    const rows = q.cells
      .filter((c) => c.source === m.source && c.model === m.model)
      .map((c) => ({
        header: `${c.camera === 'all' ? 'all cameras' : c.camera}, ${c.week}`,
        cells: [
          num(c.frames, 'count'),
          num(c.numGt, 'count'),
          ci(c.precision),
          ci(c.recall),
          num(c.ap50, 'share'),
          { text: c.tooFewReviews ? 'too few reviews' : '', kind: 'text' as const },
        ],
      }));
    return `<figure>${chart}</figure>${table(
      `${m.source} model ${m.model}`,
      [
        'Camera, week',
        'Frames',
        'Objects',
        'Precision (interval)',
        'Recall (interval)',
        'AP50',
        'Note',
      ],
      rows,
    )}`;
  });
  return (
    head +
    `<p class="note">${q.rules.map((r) => esc(r)).join('<br>')}</p>` +
    tables.join('') +
    '</section>'
  );
}

function projectionSection(doc: ReportDocument): string {
  const p = doc.projection;
  if (!p.ok)
    return `<section aria-labelledby="h-projection"><h2 id="h-projection">Projection</h2><p>${esc(p.reason)}</p></section>`;
  const r = p.result;
  const chart: BarChart = {
    id: 'projection',
    title: `Monthly cost projected to ${fmt(r.cameras, 'count')} cameras`,
    desc: `Annotation per month without pre-tagging against annotation and infrastructure with it, for ${fmt(r.cameras, 'count')} cameras like the ${fmt(p.observed.cameras, 'count')} observed.`,
    series: ['without pre-tagging', 'with pre-tagging'],
    groups: [
      {
        label: `${fmt(r.cameras, 'count')} cameras, per month`,
        bars: [
          {
            series: 0,
            value: r.perMonthUsd.withoutPretag,
            text: fmt(r.perMonthUsd.withoutPretag, 'usd'),
          },
          {
            series: 1,
            value: r.perMonthUsd.withPretag,
            text: fmt(r.perMonthUsd.withPretag, 'usd'),
          },
        ],
      },
    ],
  };
  return (
    '<section aria-labelledby="h-projection"><h2 id="h-projection">Projection</h2>' +
    `<p class="note">Observed ${esc(fmt(p.observed.cameras, 'count'))} camera(s) over ${esc(fmt(p.observed.days, 'count'))} day(s); scaled linearly, assuming they are typical of the fleet.</p>` +
    chartFigure(
      chart,
      table(
        `Projection to ${fmt(r.cameras, 'count')} cameras`,
        ['Figure', 'Value'],
        [
          { header: 'Uploaded frames per day', cells: [num(r.perDay.uploadedFrames, 'count')] },
          { header: 'Uploaded bytes per day', cells: [num(r.perDay.uploadedBytes, 'bytes')] },
          { header: 'Compute per day', cells: [num(r.perDay.computeSeconds, 'seconds')] },
          {
            header: 'Annotation per day without pre-tagging',
            cells: [num(r.perDay.annotationWithoutPretagUsd, 'usd')],
          },
          {
            header: 'Annotation per day with pre-tagging',
            cells: [num(r.perDay.annotationWithPretagUsd, 'usd')],
          },
          { header: 'Infrastructure per day', cells: [num(r.perDay.infrastructureUsd, 'usd')] },
          {
            header: 'Mean ingest rate (frames/s)',
            cells: [num(r.uploadedFramesPerSecond, 'rate')],
          },
          { header: 'Detector workers busy all day', cells: [num(r.detectorWorkers, 'count')] },
          {
            header: 'Per month without pre-tagging',
            cells: [num(r.perMonthUsd.withoutPretag, 'usd')],
          },
          { header: 'Per month with pre-tagging', cells: [num(r.perMonthUsd.withPretag, 'usd')] },
        ],
      ),
    ) +
    '</section>'
  );
}

function thresholdsSection(doc: ReportDocument): string {
  const body =
    doc.thresholds.length === 0
      ? '<p>No reviews in this period, so no threshold suggestions.</p>'
      : table(
          'Suggested score thresholds from reviews',
          [
            'Camera',
            'Class',
            'Current',
            'Suggested',
            'Action',
            'Reviews in band',
            'Rejected',
            'Why',
          ],
          doc.thresholds.map((t) => ({
            header: t.camera,
            cells: [
              { text: t.label, kind: 'text' },
              num(t.current, 'score'),
              num(t.suggested, 'score'),
              { text: t.action, kind: 'text' },
              num(t.band.reviews, 'count'),
              num(t.band.rejected, 'count'),
              { text: t.why, kind: 'wrap' },
            ],
          })),
        );
  return `<section aria-labelledby="h-thresholds"><h2 id="h-thresholds">Threshold suggestions</h2>${body}</section>`;
}

function rowsSection(doc: ReportDocument): string {
  const cells = (r: CostReport): Cell[] => [
    num(r.frames.sampled, 'count'),
    num(r.frames.uploaded, 'count'),
    num(r.bytes.uploaded, 'bytes'),
    num(r.infrastructure.computeSeconds, 'seconds'),
    num(r.annotation.withoutPretag.usd, 'usd'),
    num(r.annotation.withPretag.usd, 'usd'),
    num(r.totalWithPretagUsd, 'usd'),
  ];
  return (
    '<section aria-labelledby="h-rows"><h2 id="h-rows">Every site, camera and day</h2>' +
    '<p class="note">Detections and infrastructure per row are in the JSON and CSV forms.</p>' +
    table(
      'Daily rows',
      [
        'Site',
        'Camera',
        'Day',
        'Sampled',
        'Uploaded',
        'Bytes',
        'Compute',
        'Annotation without',
        'Annotation with',
        'Total with pre-tagging',
      ],
      doc.rows.map((r) => ({
        header: r.site,
        cells: [
          { text: r.camera, kind: 'text' },
          { text: r.day, kind: 'text' },
          ...cells(r.report),
        ],
      })),
      {
        header: 'Total',
        cells: [{ text: '' }, { text: 'all days', kind: 'text' }, ...cells(doc.total)],
      },
    ) +
    '</section>'
  );
}

function summary(doc: ReportDocument): string {
  const t = doc.total;
  const recall = doc.recall.estimate;
  const cards: [string, string][] = [
    ['Frames sampled', fmt(t.frames.sampled, 'count')],
    ['Frames uploaded', fmt(t.frames.uploaded, 'count')],
    ['Upload volume saved', fmt(t.bytes.savedShare, 'share')],
    ['Annotation without pre-tagging', fmt(t.annotation.withoutPretag.usd, 'usd')],
    ['Annotation with pre-tagging', fmt(t.annotation.withPretag.usd, 'usd')],
    ['Infrastructure', fmt(t.infrastructure.totalUsd, 'usd')],
    ['Total with pre-tagging', fmt(t.totalWithPretagUsd, 'usd')],
    ['Pre-filter recall', recall.ok ? fmt(recall.recall, 'share') : '—'],
  ];
  return `<dl class="cards">${cards
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl>`;
}

export function renderReportHtml(doc: ReportDocument): string {
  const cameraLabel = (site: string, camera: string) => `${site} / ${camera}`;
  const cameras: Labelled[] = doc.byCamera.map((c) => ({
    label: cameraLabel(c.site, c.camera),
    report: c.report,
  }));
  const problems = [
    ...doc.rows.flatMap((r) =>
      r.report.problems.map((p) => `${cameraLabel(r.site, r.camera)} ${r.day}: ${p}`),
    ),
  ];
  const title = `Pretag report ${doc.from} to ${doc.to}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    '<header>',
    `<h1>${esc(title)}</h1>`,
    `<p class="lead">Edge pre-filtering, cloud detection and annotation cost, ${esc(doc.from)} to ${esc(doc.to)} (UTC days).</p>`,
    summary(doc),
    '</header><main>',
    funnelSection(cameras, doc.total),
    bytesSection(cameras, doc.total),
    annotationSection(cameras, doc.total),
    trendSection(doc),
    recallSection(doc),
    qualitySection(doc),
    projectionSection(doc),
    thresholdsSection(doc),
    rowsSection(doc),
    problems.length > 0
      ? `<section aria-labelledby="h-problems"><h2 id="h-problems">Data problems</h2><ul class="problems">${problems
          .map((p) => `<li>${esc(p)}</li>`)
          .join('')}</ul></section>`
      : '',
    '</main>',
    '<footer><p class="note">Annotation without pre-tagging labels every sampled frame from scratch; with pre-tagging only uploaded frames reach annotators, pre-tagged ones at the review price. Bytes are decimal (1 GB = 10⁹ B).</p></footer>',
    `<script type="application/json" id="report-data">${jsonForScript(doc)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
