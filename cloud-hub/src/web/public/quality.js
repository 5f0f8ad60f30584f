/* global URLSearchParams */
// The quality page: what reviews say about the models. Drift alerts first (GET /v1/drift), then
// precision, recall and AP50 per model by ISO week with their intervals (GET /v1/quality, charted
// by the report's own pointChartSvg) and the pre-filter's recall from audits beside them, the
// shadow candidate against production (GET /v1/models, /v1/shadow; operators can promote it) and,
// for operators, the reviewers' metrics (GET /v1/annotators).
import { pointChartSvg } from './lib/report/charts.ts';
import { qualityPointChart } from './lib/report/quality-chart.ts';
import { formatFigure } from './lib/report/format.ts';
import { ApiError, allPages, getJson, postJson } from './api.js';
import { h, timeText } from './dom.js';

const DAY = 86_400_000;
const isoDay = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
const pct = (/** @type {number | null | undefined} */ v) => formatFigure(v, 'share');
const count = (/** @type {number | null | undefined} */ v) => formatFigure(v, 'count');
const pText = (/** @type {number} */ p) => (p < 0.0001 ? '< 0.0001' : p.toFixed(4));
const interval = (/** @type {{ low: number, high: number } | null} */ v) =>
  v ? `${pct(v.low)} – ${pct(v.high)}` : '—';
const slug = (/** @type {string} */ s) => s.replace(/[^a-zA-Z0-9_-]+/g, '-');

/**
 * A table with a caption, column headers and rows whose first cell is a row header.
 * @param {{ id?: string, caption: string, columns: string[], rows: (string | Node)[][], text?: number[], rowAttrs?: Record<string, string>[] }} t
 */
function table(t) {
  const textCols = new Set(t.text ?? [0]);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { id: t.id },
      h('caption', {}, t.caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...t.columns.map((c, i) =>
            h('th', { scope: 'col', class: textCols.has(i) ? 'text' : null }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...t.rows.map((r, ri) =>
          h(
            'tr',
            t.rowAttrs?.[ri] ?? {},
            ...r.map((c, i) =>
              i === 0
                ? h('th', { scope: 'row' }, c)
                : h('td', { class: textCols.has(i) ? 'text wrap' : null }, c),
            ),
          ),
        ),
      ),
    ),
  );
}

/** An SVG string from charts.ts as a figure (the strings are built from escaped text only). */
function chart(/** @type {string} */ svg, /** @type {string} */ caption) {
  const f = h('figure', { class: 'chart-figure' });
  f.innerHTML = svg;
  f.append(h('figcaption', { class: 'note' }, caption));
  return f;
}

function driftSection(/** @type {any} */ d) {
  const alerting = d.cameras.filter((/** @type {any} */ c) => c.alert);
  const summary = alerting.length
    ? h(
        'div',
        { class: 'alert-box', id: 'drift-alerts', role: 'alert' },
        h(
          'p',
          { class: 'drifted' },
          `Drift on ${alerting.length} camera${alerting.length === 1 ? '' : 's'}:`,
        ),
        h('ul', {}, ...d.alerts.map((/** @type {any} */ a) => h('li', {}, a.message))),
      )
    : h(
        'p',
        { id: 'drift-alerts', class: 'ok-box' },
        `No drift alert: ${d.cameras.length} camera${d.cameras.length === 1 ? '' : 's'} compared.`,
      );
  const rows = d.cameras.map((/** @type {any} */ c) => {
    const m = c.classMix;
    const s = c.scores;
    return [
      `${c.site} / ${c.camera}`,
      m.tested && m.moved
        ? `${m.moved.class}: ${pct(m.moved.previousShare)} → ${pct(m.moved.currentShare)} (${m.moved.points > 0 ? '+' : ''}${formatFigure(m.moved.points, 'rate')} points)`
        : m.tested
          ? 'nothing moved'
          : `not tested: ${m.reason}`,
      m.tested ? formatFigure(m.statistic, 'score') : '—',
      m.tested ? pText(m.pValue) : '—',
      m.tested ? formatFigure(m.cramersV, 'rate') : '—',
      s.tested
        ? `median ${formatFigure(s.previousMedian, 'score')} → ${formatFigure(s.currentMedian, 'score')}`
        : `not tested: ${s.reason}`,
      s.tested ? formatFigure(s.d, 'rate') : '—',
      s.tested ? pText(s.pValue) : '—',
      c.alert ? h('span', { class: 'drifted' }, 'alert') : 'no',
    ];
  });
  return h(
    'section',
    { 'aria-labelledby': 'h-q-drift', id: 'q-drift' },
    h('h2', { id: 'h-q-drift' }, 'Drift alerts'),
    summary,
    h(
      'p',
      { class: 'note' },
      `${d.test}. Alert when p < ${d.settings.alpha} and the effect (Cramér's V or KS D) is at least ${d.settings.minEffect}; a week needs ${d.settings.minCount} boxes. This week ${d.weeks.current.from} to ${d.weeks.current.to} against ${d.weeks.previous.from} to ${d.weeks.previous.to}.`,
    ),
    rows.length
      ? table({
          id: 'drift-alert-table',
          caption: 'Per camera, week against week',
          columns: [
            'Camera',
            'Class that moved most',
            'Chi-square',
            'p (class mix)',
            "Cramér's V",
            'Scores',
            'KS D',
            'p (scores)',
            'Alert',
          ],
          text: [0, 1, 5, 8],
          rows,
        })
      : h('p', {}, 'No camera had detections in these two weeks.'),
  );
}

/** One model's weekly chart (pooled cells) and the table of every cell. */
function modelBlock(
  /** @type {any} */ q,
  /** @type {{ source: string, model: string, frames: number }} */ m,
) {
  const cells = q.cells.filter(
    (/** @type {any} */ c) => c.source === m.source && c.model === m.model,
  );
  const svg = pointChartSvg(
    qualityPointChart(q.cells, m, q.settings, `q-chart-${slug(`${m.source}-${m.model}`)}`),
  );
  const id = `q-table-${slug(`${m.source}-${m.model}`)}`;
  return h(
    'div',
    { class: 'model-block', 'data-model': m.model, 'data-source': m.source },
    h(
      'h3',
      {},
      `${m.source === 'edge' ? 'Edge' : m.source === 'cloud' ? 'Cloud' : 'Shadow'} model ${m.model}`,
      h('span', { class: 'note' }, ` · ${count(m.frames)} reviewed frames`),
    ),
    chart(
      svg,
      'All cameras and classes pooled. Exact figures per camera and class in the table below.',
    ),
    table({
      id,
      caption: `${m.source} model ${m.model}: every week, camera and class`,
      columns: [
        'Week',
        'Camera',
        'Class',
        'Frames',
        'Objects',
        'TP',
        'FP',
        'FN',
        'Precision',
        'Precision interval',
        'Recall',
        'Recall interval',
        'AP50',
        'Reviews',
      ],
      text: [0, 1, 2, 13],
      rows: cells.map((/** @type {any} */ c) => [
        c.week,
        c.camera,
        c.class,
        count(c.frames),
        count(c.numGt),
        count(c.tp),
        count(c.fp),
        count(c.fn),
        pct(c.precision?.estimate),
        interval(c.precision),
        pct(c.recall?.estimate),
        interval(c.recall),
        pct(c.ap50),
        c.tooFewReviews ? h('span', { class: 'few' }, 'too few') : 'enough',
      ]),
      rowAttrs: cells.map((/** @type {any} */ c) => (c.tooFewReviews ? { class: 'too-few' } : {})),
    }),
  );
}

function prefilterBlock(/** @type {any} */ q) {
  // Weeks without a single pre-filter decision say nothing: left out of the table and chart.
  const rows = q.prefilterRecall.filter(
    (/** @type {any} */ r) => r.input.positives + r.input.rejected + r.input.audited > 0,
  );
  if (!rows.length) return null;
  const weeks = [...new Set(rows.map((/** @type {any} */ r) => r.week))].sort();
  const cameras = [...new Set(rows.map((/** @type {any} */ r) => r.camera))].sort();
  const series = cameras.map((cam) => ({
    name: `pre-filter recall, ${cam}`,
    points: weeks.map((w) => {
      const r = rows.find((/** @type {any} */ x) => x.camera === cam && x.week === w);
      const e = r?.estimate;
      return e?.ok
        ? {
            value: e.recall,
            low: e.low,
            high: e.high,
            text: `${pct(e.recall)} (${pct(e.low)} – ${pct(e.high)})`,
          }
        : null;
    }),
  }));
  const anyEstimate = series.some((s) => s.points.some((p) => p));
  return h(
    'div',
    { class: 'model-block', id: 'q-prefilter' },
    h('h3', {}, 'Edge pre-filter recall from audits'),
    anyEstimate
      ? chart(
          pointChartSvg({
            id: 'q-chart-prefilter',
            title: 'Pre-filter recall from audit frames by ISO week',
            desc: 'Share of frames with an object of interest that the edge pre-filter passed, estimated from audited rejected frames; whiskers are the interval.',
            xLabels: weeks,
            series,
          }),
          'Estimated from rejected frames uploaded as audits, as in the daily report.',
        )
      : null,
    table({
      id: 'q-prefilter-table',
      caption: 'Pre-filter recall per camera and week',
      columns: [
        'Week',
        'Camera',
        'Passed positives',
        'Rejected',
        'Audited',
        'Misses',
        'Recall',
        'Interval',
      ],
      text: [0, 1, 7],
      rows: rows.map((/** @type {any} */ r) => [
        r.week,
        r.camera,
        count(r.input.positives),
        count(r.input.rejected),
        count(r.input.audited),
        count(r.input.misses),
        r.estimate.ok ? pct(r.estimate.recall) : '—',
        r.estimate.ok ? `${pct(r.estimate.low)} – ${pct(r.estimate.high)}` : r.estimate.reason,
      ]),
    }),
  );
}

function qualitySection(/** @type {any} */ q) {
  const body = q.models.length
    ? q.models.map((/** @type {any} */ m) => modelBlock(q, m))
    : [
        h(
          'p',
          { id: 'q-empty' },
          'No reviewed frames in this range yet: precision, recall and AP50 appear once QA samples are reviewed.',
        ),
      ];
  return h(
    'section',
    { 'aria-labelledby': 'h-q-quality', id: 'q-quality' },
    h('h2', { id: 'h-q-quality' }, 'Model quality over time'),
    h(
      'p',
      { class: 'note' },
      `${count(q.reviewedFrames)} reviewed frames, ${q.from} to ${q.to}.`,
      ...q.rules.flatMap((/** @type {string} */ r) => [h('br'), r]),
    ),
    ...body,
    prefilterBlock(q),
  );
}

function figureRow(/** @type {string} */ name, /** @type {any} */ p, /** @type {any} */ c) {
  const f = (/** @type {any} */ x) => (x ? x.overall : null);
  const a = f(p);
  const b = f(c);
  return [
    name,
    count(a?.numGt),
    count(b?.numGt),
    pct(a?.precision?.estimate),
    pct(b?.precision?.estimate),
    pct(a?.recall?.estimate),
    pct(b?.recall?.estimate),
    pct(a?.ap50),
    pct(b?.ap50),
  ];
}

/** Shadow candidate: what it is, how it agrees, how it scores; operators may promote it. */
function shadowSection(
  /** @type {any} */ models,
  /** @type {any} */ shadow,
  /** @type {{ operator: boolean }} */ ctx,
  /** @type {(message: string) => void} */ notify,
) {
  const cand = models.candidate;
  const parts = [
    h(
      'dl',
      { class: 'cards', id: 'q-models' },
      h(
        'div',
        {},
        h('dt', {}, 'Production model'),
        h('dd', { id: 'q-production' }, models.production ? models.production.model : '—'),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Shadow candidate'),
        h(
          'dd',
          { id: 'q-candidate' },
          cand ? cand.model : shadow ? `none (last: ${shadow.candidate})` : 'none',
        ),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Share of frames in shadow'),
        h('dd', {}, cand ? pct(cand.share) : '—'),
      ),
      h(
        'div',
        {},
        h('dt', {}, 'Frames the candidate ran on'),
        h('dd', {}, shadow ? count(shadow.frames) : '—'),
      ),
    ),
  ];
  if (shadow) {
    parts.push(
      h(
        'p',
        { class: 'note' },
        `Candidate ${shadow.candidate} against ${shadow.production.join(', ') || 'production'}: ${shadow.rule}${shadow.failedRuns ? ` ${shadow.failedRuns} runs failed.` : ''}`,
      ),
      table({
        id: 'q-agreement',
        caption: 'Agreement with production, per class (matched boxes over the union)',
        columns: ['Class', 'Production boxes', 'Candidate boxes', 'Matched', 'Union', 'Agreement'],
        rows: shadow.agreement.map((/** @type {any} */ a) => [
          a.class,
          count(a.production),
          count(a.candidate),
          count(a.matched),
          count(a.union),
          pct(a.agreement),
        ]),
      }),
    );
    const r = shadow.reviewed;
    const classes = [
      ...new Set(
        [...(r.production?.perClass ?? []), ...(r.candidate?.perClass ?? [])].map(
          (/** @type {any} */ c) => c.class,
        ),
      ),
    ].sort();
    const per = (/** @type {any} */ mq, /** @type {string} */ k) =>
      mq ? { overall: mq.perClass.find((/** @type {any} */ c) => c.class === k) ?? null } : null;
    parts.push(
      r.frames
        ? table({
            id: 'q-side-by-side',
            caption: `On ${count(r.frames)} reviewed frames both ran on: production against candidate`,
            columns: [
              'Class',
              'Objects (prod.)',
              'Objects (cand.)',
              'Precision (prod.)',
              'Precision (cand.)',
              'Recall (prod.)',
              'Recall (cand.)',
              'AP50 (prod.)',
              'AP50 (cand.)',
            ],
            rows: [
              figureRow('all', r.production, r.candidate),
              ...classes.map((k) => figureRow(k, per(r.production, k), per(r.candidate, k))),
            ],
          })
        : h(
            'p',
            {},
            'No frame the candidate ran on has been reviewed yet: AP50 side by side appears after reviews.',
          ),
    );
  } else parts.push(h('p', {}, 'No shadow candidate has run yet.'));
  if (cand) {
    const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'q-promote-status' });
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        'dialog',
        { id: 'q-promote-dialog', 'aria-labelledby': 'q-promote-h' },
        h('h2', { id: 'q-promote-h' }, `Promote ${cand.model}?`),
        h(
          'p',
          {},
          `Detect jobs that start after this use ${cand.model} instead of ${models.production?.model ?? 'the production model'}. The promotion is recorded in the audit log.`,
        ),
        h(
          'form',
          { method: 'dialog', class: 'actions' },
          h('button', { type: 'submit', value: 'promote', id: 'q-promote-confirm' }, 'Promote'),
          h(
            'button',
            { type: 'submit', value: 'cancel', class: 'secondary', autofocus: true },
            'Cancel',
          ),
        ),
      )
    );
    dialog.addEventListener('close', async () => {
      if (dialog.returnValue !== 'promote') return;
      status.textContent = 'Promoting…';
      try {
        await postJson('/v1/models/promote', { model: cand.model });
        const now = await getJson('/v1/models');
        notify(
          `Promoted ${cand.model}: the production model is now ${now.production?.model ?? '—'}.`,
        );
      } catch (e) {
        status.textContent = `Not promoted: ${e instanceof Error ? e.message : String(e)}`;
      }
    });
    parts.push(
      h(
        'div',
        { 'data-operator': true, class: 'panel', id: 'q-promote' },
        h('h3', {}, 'Promote the candidate (operators)'),
        h(
          'button',
          { type: 'button', id: 'q-promote-button', onclick: () => dialog.showModal() },
          `Promote candidate ${cand.model}`,
        ),
        status,
        dialog,
      ),
    );
  }
  if (models.promotions.length)
    parts.push(
      table({
        id: 'q-promotions',
        caption: 'Promotions, newest first',
        columns: ['Time', 'By', 'From', 'To'],
        text: [0, 1, 2, 3],
        rows: models.promotions.map((/** @type {any} */ p) => [
          timeText(new Date(p.at).toISOString()),
          p.actor,
          p.from ?? '—',
          p.to,
        ]),
      }),
    );
  // Scale-out only: what each external detection worker says it runs. A worker that could not
  // open a promoted model keeps its own and is marked, so an operator sees a split fleet.
  const workers = models.workers ?? [];
  if (workers.length)
    parts.push(
      table({
        id: 'q-workers',
        caption: 'Detection workers',
        columns: ['Worker', 'Model', 'Revision', 'Problem', 'Reported'],
        text: [0, 1, 3],
        rowAttrs: workers.map((/** @type {any} */ w) => (w.failed ? { class: 'drifted' } : {})),
        rows: workers.map((/** @type {any} */ w) => [
          w.worker,
          w.model,
          w.revision === 0 ? "0 (hub.yaml's detector)" : String(w.revision),
          w.failed
            ? `could not open ${w.failed.model} (revision ${w.failed.revision}): ${w.failed.error}`
            : '—',
          timeText(w.at),
        ]),
      }),
    );
  return h(
    'section',
    { 'aria-labelledby': 'h-q-shadow', id: 'q-shadow' },
    h('h2', { id: 'h-q-shadow' }, 'Shadow candidate'),
    ...parts,
  );
}

function annotatorSection(/** @type {any} */ a) {
  const secs = (/** @type {number | null} */ ms) =>
    ms === null ? '—' : formatFigure(ms / 1000, 'seconds');
  return h(
    'section',
    { 'aria-labelledby': 'h-q-annotators', id: 'q-annotators', 'data-operator': true },
    h('h2', { id: 'h-q-annotators' }, 'Annotators (operators)'),
    h(
      'p',
      { class: 'note' },
      `Overall agreement on double-reviewed samples: ${pct(a.overallAgreement)}.`,
      ...a.rules.flatMap((/** @type {string} */ r) => [h('br'), r]),
    ),
    a.reviewers.length
      ? table({
          id: 'q-annotator-table',
          caption: `${a.reviewers.length} reviewer${a.reviewers.length === 1 ? '' : 's'}`,
          columns: [
            'Reviewer',
            'Images',
            'Median time per image',
            'Mean time per image',
            'Actions per image',
            'Double-reviewed',
            'Agreement',
            "Others' agreement",
            'Flag',
          ],
          text: [0, 8],
          rows: a.reviewers.map((/** @type {any} */ r) => [
            r.reviewer,
            count(r.images),
            secs(r.medianMs),
            secs(r.meanMs),
            formatFigure(r.actionsPerImage, 'score'),
            count(r.doubleReviewed),
            pct(r.agreement),
            pct(r.othersAgreement),
            r.flagged ? h('span', { class: 'drifted' }, `flagged: ${r.why ?? ''}`) : 'no',
          ]),
        })
      : h('p', {}, 'No reviews in this range.'),
  );
}

/** @param {HTMLElement} root @param {{ operator: boolean }} ctx */
export async function mountQuality(root, ctx) {
  const cameras = await allPages('/v1/cameras');
  const today = Date.now();
  const from = /** @type {HTMLInputElement} */ (
    h('input', { type: 'date', id: 'q-from', required: true, value: isoDay(today - 55 * DAY) })
  );
  const to = /** @type {HTMLInputElement} */ (
    h('input', { type: 'date', id: 'q-to', required: true, value: isoDay(today) })
  );
  const camera = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'q-camera' },
      h('option', { value: '' }, 'All cameras'),
      ...[...new Set(cameras.map((c) => c.camera))].sort().map((c) => h('option', { value: c }, c)),
    )
  );
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'q-status' });
  // Outlives a reload of the sections, so a promotion's outcome stays on screen.
  const notice = h('p', { role: 'status', 'aria-live': 'polite', id: 'q-notice', class: 'notice' });
  const out = h('div', { class: 'report', id: 'q-report' });
  const form = h(
    'form',
    { class: 'filters', id: 'q-form', 'aria-label': 'Quality range and camera' },
    h('div', {}, h('label', { for: 'q-from' }, 'From (UTC day)'), from),
    h('div', {}, h('label', { for: 'q-to' }, 'To (UTC day)'), to),
    h('div', {}, h('label', { for: 'q-camera' }, 'Camera'), camera),
    h('div', {}, h('button', { type: 'submit' }, 'Show')),
  );

  async function load() {
    const q = new URLSearchParams({ from: from.value, to: to.value });
    if (camera.value) q.set('camera', camera.value);
    const d = new URLSearchParams({ to: to.value });
    if (camera.value) d.set('camera', camera.value);
    status.textContent = 'Loading…';
    try {
      const [quality, drift, models, shadow, annotators] = await Promise.all([
        getJson(`/v1/quality?${q}`),
        getJson(`/v1/drift?${d}`),
        getJson('/v1/models'),
        getJson(`/v1/shadow?${q}`).catch((e) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        }),
        ctx.operator
          ? getJson(`/v1/annotators?${new URLSearchParams({ from: from.value, to: to.value })}`)
          : null,
      ]);
      out.replaceChildren(
        driftSection(drift),
        qualitySection(quality),
        shadowSection(models, shadow, ctx, (message) => {
          notice.textContent = message;
          void load();
        }),
        ...(annotators ? [annotatorSection(annotators)] : []),
      );
      if (!ctx.operator) for (const el of out.querySelectorAll('[data-operator]')) el.remove();
      status.textContent = `Quality ${quality.from} to ${quality.to} loaded.`;
    } catch (e) {
      status.textContent = `Could not load quality: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'q-h' },
      h('h1', { id: 'q-h' }, 'Quality'),
      h(
        'p',
        { class: 'note' },
        'What reviews say about the models: drift alerts, precision, recall and AP50 by week with intervals, the pre-filter’s recall from audits, and the shadow candidate against production.',
      ),
      form,
      status,
      notice,
      out,
    ),
  );
  await load();
  return {};
}
