/* global document, window, IntersectionObserver */
// Batches: the registry list with status, counts and a COCO download; one batch as a thumbnail
// grid with its kept boxes (GET /v1/batches/:id/frames, which does not export it).
import { allPages, call, getJson, imageUrl } from './api.js';
import { boxedImage, h, timeText } from './dom.js';

const DOWNLOADABLE = new Set(['ready', 'exported']);

/** Fetches the COCO JSON with the token and hands it to the browser as a file download. */
async function download(/** @type {string} */ id, /** @type {HTMLElement} */ statusEl) {
  statusEl.textContent = `Downloading ${id}…`;
  try {
    const res = await call(`/v1/batches/${encodeURIComponent(id)}/coco`);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.coco.json` });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    statusEl.textContent = `Downloaded ${id} (${blob.size} bytes).`;
  } catch (e) {
    statusEl.textContent = `Download failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** @param {HTMLElement} root @param {{ operator: boolean }} _ctx */
export async function mountBatches(root, _ctx) {
  const batches = (await allPages('/v1/batches')).reverse();
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'batch-status' });
  const rows = batches.map((b) =>
    h(
      'tr',
      { 'data-batch': b.id },
      h('th', { scope: 'row' }, h('a', { href: `#/batches/${encodeURIComponent(b.id)}` }, b.id)),
      h('td', { class: 'text' }, b.site ?? '—'),
      h('td', { class: 'text' }, b.camera ?? '—'),
      h('td', { class: 'text' }, b.day ?? '—'),
      h('td', { class: 'text' }, b.status),
      h('td', {}, String(b.frameCount)),
      h('td', { class: 'text' }, timeText(new Date(b.createdAt).toISOString())),
      h(
        'td',
        { class: 'text' },
        DOWNLOADABLE.has(b.status)
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-download': b.id,
                'aria-label': `Download batch ${b.id} as COCO JSON`,
                onclick: () => void download(b.id, status),
              },
              'COCO JSON',
            )
          : h('span', { class: 'note' }, 'still open'),
      ),
    ),
  );
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'batches-h' },
      h('h1', { id: 'batches-h' }, 'Batches'),
      h('p', { class: 'note' }, 'Newest first. Downloading a ready batch marks it exported.'),
      status,
      batches.length === 0
        ? h('p', {}, 'No batches yet.')
        : h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { id: 'batch-table' },
              h('caption', {}, `${batches.length} batch${batches.length === 1 ? '' : 'es'}`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...[
                    'Batch',
                    'Site',
                    'Camera',
                    'Day',
                    'Status',
                    'Frames',
                    'Created',
                    'Download',
                  ].map((c, i) => h('th', { scope: 'col', class: i === 5 ? null : 'text' }, c)),
                ),
              ),
              h('tbody', {}, ...rows),
            ),
          ),
    ),
  );
  return {};
}

/** @param {HTMLElement} root @param {{ operator: boolean }} _ctx @param {string} id */
export async function mountBatch(root, _ctx, id) {
  const [b, frames] = await Promise.all([
    getJson(`/v1/batches/${encodeURIComponent(id)}`),
    getJson(`/v1/batches/${encodeURIComponent(id)}/frames`),
  ]);
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'batch-status' });
  const boxes = frames.items.reduce((n, /** @type {any} */ f) => n + f.boxes.length, 0);
  const grid = h('div', { class: 'grid', id: 'batch-grid' });
  // Thumbnails load as they scroll into view, a few at a time.
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer.unobserve(e.target);
        const el = /** @type {SVGElement} */ (e.target);
        const path = el.dataset.src;
        const img = el.querySelector('image');
        if (path && img)
          void imageUrl(path)
            .then((u) => img.setAttribute('href', u))
            .catch(() => undefined);
      }
    },
    { rootMargin: '300px' },
  );
  for (const f of frames.items) {
    const { svg } = boxedImage(
      {
        width: f.width || 640,
        height: f.height || 480,
        label: `${f.frameId}: ${f.boxes.length} box${f.boxes.length === 1 ? '' : 'es'}`,
      },
      f.boxes.map((/** @type {any} */ x) => {
        const [bx = 0, by = 0, bw = 0, bh = 0] = x.bbox;
        return { box: [bx, by, bx + bw, by + bh], label: x.label, score: x.score, kind: 'cloud' };
      }),
    );
    if (f.imageUrl) svg.dataset.src = f.imageUrl;
    observer.observe(svg);
    grid.append(
      h(
        'figure',
        { 'data-frame': f.frameId },
        svg,
        h(
          'figcaption',
          {},
          h('strong', {}, f.camera ?? ''),
          ` ${timeText(f.capturedAt)} · ${f.reason ?? ''}`,
          h('br'),
          f.frameId,
        ),
      ),
    );
  }
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'batch-h' },
      h('p', {}, h('a', { href: '#/batches' }, '← All batches')),
      h('h1', { id: 'batch-h' }, `Batch ${b.id}`),
      h(
        'p',
        {},
        `${b.status} · ${b.frameCount} frames · ${boxes} kept boxes · QA ${b.qa.reviewed} of ${b.qa.samples} reviewed · `,
        DOWNLOADABLE.has(b.status)
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-download': b.id,
                onclick: () => void download(b.id, status),
              },
              'Download COCO JSON',
            )
          : 'still open',
      ),
      status,
      grid,
    ),
  );
  return { unmount: () => observer.disconnect() };
}
