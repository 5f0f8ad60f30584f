/* global document, window, HTMLElement */
// The shell: sign-in with a token, who is signed in (GET /v1/me), hash routes to the pages, the
// help dialog and the global shortcuts. Operator-only parts of a page carry data-operator and are
// removed for reviewers; the shell's operator-only links carry data-for-operators and are hidden.
// The server refuses reviewers either way.
import { ApiError, getJson, token } from './api.js';
import { mountAudit } from './audit.js';
import { mountBatch, mountBatches } from './batches.js';
import { mountDashboard } from './dashboard.js';
import { mountQuality } from './quality.js';
import { mountReview } from './review.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {{ name: string, role: string } | null} */
let me = null;
/** @type {{ unmount?: () => void, onKey?: (e: KeyboardEvent) => boolean } | null} */
let current = null;
let pendingG = false;

function showSignIn(message = '') {
  me = null;
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('page').replaceChildren();
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('token').focus();
}

async function signIn() {
  try {
    me = await getJson('/v1/me');
  } catch (err) {
    token.clear();
    showSignIn(
      err instanceof ApiError && err.status === 401 ? 'That token was not accepted.' : String(err),
    );
    return;
  }
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${me.name} (${me.role})`;
  document.body.dataset.role = me.role;
  for (const a of document.querySelectorAll('[data-for-operators]'))
    if (a instanceof HTMLElement) a.hidden = me.role !== 'operator';
  await route();
}

async function route() {
  if (!me) return;
  current?.unmount?.();
  current = null;
  const hash = window.location.hash || '#/review';
  const [, page = 'review', arg] = hash.split('/');
  for (const a of document.querySelectorAll('#nav a'))
    if (a instanceof HTMLElement && a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  const container = $('page');
  container.replaceChildren();
  const ctx = { role: me.role, name: me.name, operator: me.role === 'operator' };
  try {
    if (page === 'batches' && arg)
      current = await mountBatch(container, ctx, decodeURIComponent(arg));
    else if (page === 'batches') current = await mountBatches(container, ctx);
    else if (page === 'dashboard') current = await mountDashboard(container, ctx);
    else if (page === 'quality') current = await mountQuality(container, ctx);
    else if (page === 'audit') current = await mountAudit(container);
    else current = await mountReview(container, ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      return showSignIn('Your token is no longer accepted.');
    container.replaceChildren();
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = `Could not load this page: ${err instanceof Error ? err.message : String(err)}`;
    container.append(p);
  }
  if (!ctx.operator) for (const el of container.querySelectorAll('[data-operator]')) el.remove();
  document.title = `pretag hub: ${page}`;
}

function isTyping(/** @type {EventTarget | null} */ t) {
  return (
    t instanceof HTMLElement &&
    (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName))
  );
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const help = /** @type {HTMLDialogElement} */ ($('help'));
  if (help.open || isTyping(e.target) || !me) return;
  if (e.key === '?') {
    e.preventDefault();
    help.showModal();
    return;
  }
  if (pendingG) {
    pendingG = false;
    /** @type {Record<string, string>} */
    const pages = { r: '#/review', b: '#/batches', d: '#/dashboard', q: '#/quality' };
    if (me.role === 'operator') pages.a = '#/audit';
    const to = pages[e.key];
    if (to) {
      e.preventDefault();
      window.location.hash = to;
      return;
    }
  }
  if (e.key === 'g') {
    pendingG = true;
    return;
  }
  if (current?.onKey?.(e)) e.preventDefault();
});

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('token'));
    token.set(input.value.trim());
    input.value = '';
    void signIn();
  });
  $('sign-out').addEventListener('click', () => {
    token.clear();
    current?.unmount?.();
    current = null;
    showSignIn();
  });
  $('help-button').addEventListener('click', () =>
    /** @type {HTMLDialogElement} */ ($('help')).showModal(),
  );
  window.addEventListener('hashchange', () => void route());
  if (token.get()) void signIn();
  else showSignIn();
});
