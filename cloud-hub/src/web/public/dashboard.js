/* global document, DOMParser, URLSearchParams, setTimeout */
// The dashboard: GET /v1/reports/daily as JSON for the chosen days, site and camera, rendered in
// the browser by the HTML report's own renderer (served from cloud-hub/src/report), so every
// figure is the JSON value through the same formatter. Drift comes from GET /v1/drift/class-mix.
// Operators also get a button per threshold suggestion (POST /v1/config/push) and the device list.
import { renderReportHtml } from './lib/report/html.ts';
import { barChartSvg } from './lib/report/charts.ts';
import { formatFigure } from './lib/report/format.ts';
import { allPages, call, getJson, postJson } from './api.js';
import { h } from './dom.js';

const DAY = 86_400_000;
const isoDay = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);

/** Report sections kept from the renderer's page, in its order. */
function reportNodes(/** @type {unknown} */ doc) {
  // The page's own <style> is left out: this app's stylesheet covers the same classes.
  const html = renderReportHtml(doc).replace(/<style>[\s\S]*?<\/style>/, '');
  const page = new DOMParser().parseFromString(html, 'text/html');
  const nodes = [];
  const cards = page.querySelector('header dl.cards');
  if (cards) nodes.push(cards);
  // Its sections' headings are h2, under the dashboard's h1.
  for (const section of page.querySelectorAll('main > section')) nodes.push(section);
  const data = page.getElementById('report-data');
  if (data) nodes.push(data);
  return nodes.map((n) => document.importNode(n, true));
}

function driftSection(/** @type {any} */ drift) {
  const rows = drift.cameras;
  const body = [];
  const drifted = rows.filter((/** @type {any} */ c) => c.result.drifted);
  body.push(
    h(
      'p',
      { id: 'drift-summary' },
      drifted.length
        ? h(
            'span',
            { class: 'drifted' },
            `${drifted.length} camera${drifted.length === 1 ? '' : 's'} drifted: ${drifted.map((/** @type {any} */ c) => `${c.site} / ${c.camera}`).join(', ')}.`,
          )
        : `No camera's detection mix drifted (${rows.length} compared).`,
    ),
    h(
      'p',
      { class: 'note' },
      `Test: ${drift.test}; drifted when p < ${drift.alpha}. This week ${drift.weeks.current.from} to ${drift.weeks.current.to} against ${drift.weeks.previous.from} to ${drift.weeks.previous.to} (kept cloud detections).`,
    ),
  );
  if (rows.length) {
    body.push(
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'drift-table' },
          h('caption', {}, 'Class mix, week against week'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Camera',
                'Detections before',
                'this week',
                'Chi-square',
                'df',
                'p',
                'Drifted',
                'Classes (before → this week)',
              ].map((c, i) =>
                h('th', { scope: 'col', class: i === 0 || i >= 6 ? 'text' : null }, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...rows.map((/** @type {any} */ c) => {
              const r = c.result;
              const sum = (/** @type {Record<string, number>} */ o) =>
                Object.values(o).reduce((a, b) => a + b, 0);
              return h(
                'tr',
                {},
                h('th', { scope: 'row' }, `${c.site} / ${c.camera}`),
                h('td', {}, formatFigure(sum(c.previous), 'count')),
                h('td', {}, formatFigure(sum(c.current), 'count')),
                h('td', {}, r.tested ? formatFigure(r.statistic, 'score') : '—'),
                h('td', {}, r.tested ? String(r.df) : '—'),
                h(
                  'td',
                  {},
                  r.tested ? (r.pValue < 0.0001 ? '< 0.0001' : r.pValue.toFixed(4)) : '—',
                ),
                h(
                  'td',
                  { class: `text wrap${r.drifted ? ' drifted' : ''}` },
                  r.tested ? (r.drifted ? 'yes' : 'no') : `not tested: ${r.reason}`,
                ),
                h(
                  'td',
                  { class: 'text wrap' },
                  r.tested
                    ? r.classes
                        .map(
                          (/** @type {string} */ k, /** @type {number} */ i) =>
                            `${k} ${r.previous[i]} → ${r.current[i]}`,
                        )
                        .join(', ')
                    : '',
                ),
              );
            }),
          ),
        ),
      ),
    );
    const tested = rows.filter((/** @type {any} */ c) => c.result.tested);
    if (tested.length) {
      const wrap = h('figure', {});
      wrap.innerHTML = barChartSvg({
        id: 'drift',
        title: 'Chi-square statistic per camera, week against week',
        desc: 'Larger means the mix of detected classes changed more; the table gives p-values.',
        series: ['chi-square'],
        groups: tested.map((/** @type {any} */ c) => ({
          label: `${c.site} / ${c.camera}`,
          bars: [
            {
              series: 0,
              value: c.result.statistic,
              text: formatFigure(c.result.statistic, 'score'),
            },
          ],
        })),
      });
      body.push(wrap);
    }
  }
  return h(
    'section',
    { 'aria-labelledby': 'h-drift', id: 'drift' },
    h('h2', { id: 'h-drift' }, 'Detection mix drift'),
    ...body,
  );
}

/** Operators: one button per suggestion that pushes the camera's new minimum score. */
function thresholdActions(
  /** @type {any} */ doc,
  /** @type {any[]} */ cameras,
  /** @type {HTMLElement} */ status,
) {
  const rows = doc.thresholds.filter((/** @type {any} */ t) => t.action !== 'keep');
  if (!rows.length) return null;
  return h(
    'div',
    { 'data-operator': true, id: 'threshold-actions', class: 'panel' },
    h('h3', {}, 'Apply a suggestion (operators)'),
    h(
      'p',
      { class: 'note' },
      "Sends the camera's new minimum score to its device (POST /v1/config/push).",
    ),
    ...rows.map((/** @type {any} */ t) => {
      const cam = cameras.find((c) => c.camera === t.camera && (!doc.site || c.site === doc.site));
      return h(
        'p',
        {},
        h(
          'button',
          {
            type: 'button',
            disabled: !cam,
            onclick: async () => {
              try {
                await postJson('/v1/config/push', {
                  site: cam.site,
                  device: cam.device,
                  camera: t.camera,
                  minScore: t.suggested,
                });
                status.textContent = `Pushed minScore ${t.suggested} to ${cam.site} / ${cam.device} / ${t.camera}.`;
              } catch (e) {
                status.textContent = `Not pushed: ${e instanceof Error ? e.message : String(e)}`;
              }
            },
          },
          `Set ${t.camera} minimum score to ${formatFigure(t.suggested, 'score')}`,
        ),
        ` (${t.label}: ${t.action} from ${formatFigure(t.current, 'score')})`,
      );
    }),
  );
}

/** The CSV form of the same report, fetched with the token and saved as a file. */
async function saveCsv(/** @type {URLSearchParams} */ q) {
  const res = await call(`/v1/reports/daily?${q}`, { accept: 'text/csv' });
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: `pretag-daily-${q.get('from')}-${q.get('to')}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** @param {HTMLElement} root @param {{ operator: boolean }} ctx */
export async function mountDashboard(root, ctx) {
  const cameras = await allPages('/v1/cameras');
  const today = Date.now();
  const from = /** @type {HTMLInputElement} */ (
    h('input', { type: 'date', id: 'd-from', required: true, value: isoDay(today - 6 * DAY) })
  );
  const to = /** @type {HTMLInputElement} */ (
    h('input', { type: 'date', id: 'd-to', required: true, value: isoDay(today) })
  );
  const sites = [...new Set(cameras.map((c) => c.site))].sort();
  const site = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'd-site' },
      h('option', { value: '' }, 'All sites'),
      ...sites.map((x) => h('option', { value: x }, x)),
    )
  );
  const camera = /** @type {HTMLSelectElement} */ (h('select', { id: 'd-camera' }));
  const fillCameras = () => {
    const keep = camera.value;
    camera.replaceChildren(
      h('option', { value: '' }, 'All cameras'),
      ...cameras
        .filter((c) => !site.value || c.site === site.value)
        .map((c) =>
          h('option', { value: c.camera }, site.value ? c.camera : `${c.site} / ${c.camera}`),
        ),
    );
    camera.value = [...camera.options].some((o) => o.value === keep) ? keep : '';
  };
  fillCameras();
  site.addEventListener('change', fillCameras);
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'd-status' });
  const out = h('div', { class: 'report', id: 'd-report' });
  const form = h(
    'form',
    { class: 'filters', id: 'd-form', 'aria-label': 'Report range and scope' },
    h('div', {}, h('label', { for: 'd-from' }, 'From (UTC day)'), from),
    h('div', {}, h('label', { for: 'd-to' }, 'To (UTC day)'), to),
    h('div', {}, h('label', { for: 'd-site' }, 'Site'), site),
    h('div', {}, h('label', { for: 'd-camera' }, 'Camera'), camera),
    h('div', {}, h('button', { type: 'submit' }, 'Show')),
  );

  async function load() {
    const q = new URLSearchParams({ from: from.value, to: to.value });
    if (site.value) q.set('site', site.value);
    if (camera.value) q.set('camera', camera.value);
    status.textContent = 'Loading…';
    try {
      const [doc, drift] = await Promise.all([
        getJson(`/v1/reports/daily?${q}`),
        getJson(
          `/v1/drift/class-mix?${new URLSearchParams({ to: to.value, ...(site.value && { site: site.value }), ...(camera.value && { camera: camera.value }) })}`,
        ),
      ]);
      const nodes = reportNodes(doc);
      const parts = [
        h(
          'p',
          { class: 'note', id: 'd-scope' },
          `${doc.from} to ${doc.to} (UTC days), ${site.value || 'all sites'}, ${camera.value || 'all cameras'}. `,
          h(
            'button',
            { type: 'button', class: 'secondary', id: 'd-csv', onclick: () => void saveCsv(q) },
            'Download CSV',
          ),
        ),
        ...nodes,
        driftSection(drift),
      ];
      out.replaceChildren(...parts);
      if (ctx.operator) {
        const th = out.querySelector('#h-thresholds')?.parentElement;
        const actions = thresholdActions({ ...doc, site: site.value }, cameras, status);
        if (th && actions) th.append(actions);
        const devices = await getJson('/v1/devices?limit=100');
        out.append(
          h(
            'section',
            { 'aria-labelledby': 'h-devices', 'data-operator': true, id: 'devices' },
            h('h2', { id: 'h-devices' }, 'Devices (operators)'),
            h(
              'div',
              { class: 'scroll' },
              h(
                'table',
                {},
                h(
                  'caption',
                  {},
                  `${devices.items.length} device${devices.items.length === 1 ? '' : 's'}`,
                ),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ...['Site', 'Device', 'Cameras', 'Credentials'].map((c) =>
                      h('th', { scope: 'col', class: 'text' }, c),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  ...devices.items.map((/** @type {any} */ d) =>
                    h(
                      'tr',
                      {},
                      h('th', { scope: 'row' }, d.site),
                      h('td', { class: 'text' }, d.device),
                      h('td', { class: 'text' }, (d.cameras ?? []).join(', ')),
                      h('td', { class: 'text' }, d.revokedAt ? 'revoked' : 'active'),
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
      }
      status.textContent = `Report ${doc.from} to ${doc.to} loaded.`;
    } catch (e) {
      status.textContent = `Could not load the report: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'd-h' },
      h('h1', { id: 'd-h' }, 'Dashboard'),
      h(
        'p',
        { class: 'note' },
        'Frames per edge stage, bandwidth and annotation cost, pre-filter recall from audits, threshold suggestions and drifted cameras, per site and camera. Every figure is read from the JSON report.',
      ),
      form,
      status,
      out,
    ),
  );
  await load();
  return {};
}
