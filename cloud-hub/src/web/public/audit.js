/* global document, URLSearchParams, setTimeout */
// The audit log (operators): GET /v1/audit filtered by actor, action, target and time, a page
// at a time (newest first, by cursor), and its CSV / NDJSON export, fetched with the token and
// saved from a blob: URL since a plain link cannot carry the bearer header.
import { call, getJson } from './api.js';
import { h, timeText } from './dom.js';

const ACTIONS = [
  'device.add',
  'device.revoke',
  'config.push',
  'review',
  'model.promote',
  'retention.delete',
  'token.new-address',
];
const PAGE = 50;

/** A day input's value as the API's time bound: from is inclusive, to exclusive (next day). */
function bound(/** @type {string} */ day, /** @type {boolean} */ end) {
  if (!day) return null;
  const t = Date.parse(`${day}T00:00:00Z`) + (end ? 86_400_000 : 0);
  return Number.isFinite(t) ? String(t) : null;
}

function diffText(/** @type {unknown} */ diff) {
  if (diff === null || diff === undefined) return '';
  const text = JSON.stringify(diff);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** @param {HTMLElement} root */
export async function mountAudit(root) {
  const input = (/** @type {string} */ id, /** @type {Record<string, string>} */ attrs = {}) =>
    /** @type {HTMLInputElement} */ (h('input', { id, ...attrs }));
  const actor = input('a-actor', { type: 'text', autocomplete: 'off' });
  const target = input('a-target', {
    type: 'text',
    autocomplete: 'off',
    placeholder: 'exact, or prefix*',
  });
  const from = input('a-from', { type: 'date' });
  const to = input('a-to', { type: 'date' });
  const action = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'a-action' },
      h('option', { value: '' }, 'Any action'),
      ...ACTIONS.map((a) => h('option', { value: a }, a)),
    )
  );
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'a-status' });
  const body = h('tbody', {});
  const more = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', id: 'a-more', class: 'secondary', hidden: true }, 'Older entries')
  );
  /** @type {string | null} */
  let cursor = null;
  let shown = 0;

  const filters = () => {
    const q = new URLSearchParams();
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (action.value) q.set('action', action.value);
    if (target.value.trim()) q.set('target', target.value.trim());
    const f = bound(from.value, false);
    const t = bound(to.value, true);
    if (f) q.set('from', f);
    if (t) q.set('to', t);
    return q;
  };

  async function loadPage(/** @type {boolean} */ fresh) {
    const q = filters();
    q.set('limit', String(PAGE));
    if (!fresh && cursor) q.set('cursor', cursor);
    status.textContent = 'Loading…';
    try {
      const page = await getJson(`/v1/audit?${q}`);
      if (fresh) {
        body.replaceChildren();
        shown = 0;
      }
      for (const e of page.items)
        body.append(
          h(
            'tr',
            { 'data-audit': e.id },
            h('th', { scope: 'row' }, timeText(new Date(e.at).toISOString())),
            h('td', { class: 'text' }, e.actor),
            h('td', { class: 'text' }, e.role),
            h('td', { class: 'text' }, e.action),
            h('td', { class: 'text wrap' }, e.target),
            h('td', { class: 'text wrap diff' }, diffText(e.diff)),
            h('td', { class: 'text' }, e.address ?? ''),
          ),
        );
      shown += page.items.length;
      cursor = page.nextCursor ?? null;
      more.hidden = !cursor;
      status.textContent = shown
        ? `${shown} entr${shown === 1 ? 'y' : 'ies'} shown${cursor ? '; older ones follow' : ''}.`
        : 'No audit entry matches.';
    } catch (e) {
      status.textContent = `Could not load the audit log: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async function save(/** @type {'csv' | 'ndjson'} */ format) {
    const q = filters();
    q.set('format', format);
    try {
      const res = await call(`/v1/audit?${q}`);
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: `pretag-audit.${format}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      if (res.headers.get('x-truncated') === 'true')
        status.textContent = 'The export holds the newest 100,000 matching entries only.';
    } catch (e) {
      status.textContent = `Export failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  const form = h(
    'form',
    { class: 'filters', id: 'a-form', 'aria-label': 'Audit log filters' },
    h('div', {}, h('label', { for: 'a-actor' }, 'Actor'), actor),
    h('div', {}, h('label', { for: 'a-action' }, 'Action'), action),
    h('div', {}, h('label', { for: 'a-target' }, 'Target'), target),
    h('div', {}, h('label', { for: 'a-from' }, 'From (UTC day)'), from),
    h('div', {}, h('label', { for: 'a-to' }, 'To (UTC day, inclusive)'), to),
    h('div', {}, h('button', { type: 'submit' }, 'Filter')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursor = null;
    void loadPage(true);
  });
  more.addEventListener('click', () => void loadPage(false));
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'a-h' },
      h('h1', { id: 'a-h' }, 'Audit log'),
      h(
        'p',
        { class: 'note' },
        'Every state-changing action, newest first: devices added or revoked, config pushes, reviews, model promotions, retention deletions, tokens used from a new address. Append-only: nothing here can be changed or deleted.',
      ),
      form,
      h(
        'p',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', class: 'secondary', id: 'a-csv', onclick: () => void save('csv') },
          'Export CSV',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            id: 'a-ndjson',
            onclick: () => void save('ndjson'),
          },
          'Export NDJSON',
        ),
      ),
      status,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'audit-table' },
          h('caption', {}, 'Audit entries matching the filters'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Time', 'Actor', 'Role', 'Action', 'Target', 'Change', 'Address'].map((c) =>
                h('th', { scope: 'col', class: 'text' }, c),
              ),
            ),
          ),
          body,
        ),
      ),
      more,
    ),
  );
  await loadPage(true);
  return {};
}
