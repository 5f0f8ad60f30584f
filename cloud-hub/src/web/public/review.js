/* global document, DOMPoint */
// The review queue: one pending QA sample at a time, its kept cloud boxes (the pre-tags) to
// accept, reject or re-class, and missed objects to draw. Edge boxes are shown for context.
// Each verdict is one POST /v1/qa/samples/:id/review with the reviewer's token.
import { COCO80_NAMES } from './lib/coco/categories.ts';
import { allPages, getJson, imageUrl, postJson } from './api.js';
import { boxedImage, h, reasonText, timeText } from './dom.js';

/** @typedef {{ source: 'edge' | 'cloud', label: string, score: number, box: number[] }} ShownBox */
/** @typedef {ShownBox & { verdict: string | null, newLabel?: string }} ReviewBox */

const same = (/** @type {number[] | null} */ a, /** @type {number[]} */ b) =>
  !!a && a.length === 4 && a.every((v, i) => Math.abs(v - (b[i] ?? NaN)) < 0.01);

/**
 * @param {HTMLElement} root
 * @param {{ operator: boolean, name: string }} ctx
 */
export async function mountReview(root, ctx) {
  const queue = (await allPages('/v1/qa/samples?status=pending')).map((x) => x.id);
  /** @type {Map<number, Promise<any>>} */
  const details = new Map();
  const detail = (/** @type {number} */ id) => {
    let d = details.get(id);
    if (!d) {
      d = getJson(`/v1/qa/samples/${id}`);
      d.catch(() => details.delete(id));
      details.set(id, d);
    }
    return d;
  };

  const progressText = h('p', { class: 'progress', id: 'rq-progress', 'aria-live': 'polite' });
  const bar = h('progress', { id: 'rq-bar', max: 1, value: 0, 'aria-label': 'samples reviewed' });
  const stage = h('figure', { class: 'stage' });
  const list = h('ol', { class: 'boxes', id: 'rq-boxes', 'aria-label': 'Pre-tagged boxes' });
  const status = h('p', { id: 'rq-status', role: 'status', 'aria-live': 'polite' });
  const edgeNote = h('p', { class: 'note', id: 'rq-edge-note' });
  const classInput = /** @type {HTMLInputElement} */ (
    h('input', { id: 'rq-class', list: 'rq-classes', autocomplete: 'off', required: true })
  );
  const classLabel = h('label', { for: 'rq-class', id: 'rq-class-label' }, 'Class');
  const classForm = h(
    'form',
    { id: 'rq-class-form', hidden: true },
    classLabel,
    classInput,
    h('datalist', { id: 'rq-classes' }, ...COCO80_NAMES.map((n) => h('option', { value: n }))),
    ' ',
    h('button', { type: 'submit' }, 'Save'),
    ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => cancel() }, 'Cancel'),
  );
  const button = (
    /** @type {string} */ text,
    /** @type {string} */ key,
    /** @type {() => void} */ fn,
    id = '',
  ) =>
    h(
      'button',
      { type: 'button', id: id || null, onclick: fn, 'aria-keyshortcuts': key },
      `${text} `,
      h('kbd', {}, key),
    );
  const actions = h(
    'div',
    { class: 'actions' },
    button('Accept', 'a', () => decide('accepted'), 'rq-accept'),
    button('Accept all', 'Shift+A', () => acceptAll(), 'rq-accept-all'),
    button('Reject', 'r', () => decide('rejected'), 'rq-reject'),
    button('Fix class', 'c', () => askClass('fix'), 'rq-fix'),
    button('Missed object', 'm', () => startDraft(), 'rq-missed'),
    button('Previous', 'p', () => void show(index - 1), 'rq-prev'),
    button('Next', 'n', () => void show(index + 1), 'rq-next'),
  );
  const edgeToggle = /** @type {HTMLInputElement} */ (
    h('input', { type: 'checkbox', id: 'rq-edge', checked: true, onchange: () => applyEdge() })
  );
  root.append(
    h(
      'section',
      { 'aria-labelledby': 'rq-h' },
      h('h1', { id: 'rq-h' }, 'Review queue'),
      progressText,
      bar,
      h(
        'div',
        { class: 'review' },
        stage,
        h(
          'div',
          { class: 'panel' },
          h(
            'p',
            { class: 'legend' },
            h(
              'span',
              {},
              h('span', { class: 'swatch cloud' }),
              'cloud pre-tag (kept after cleanup)',
            ),
            h('span', {}, h('span', { class: 'swatch edge' }), 'edge pre-filter'),
            h('span', {}, h('span', { class: 'swatch missed' }), 'missed (added)'),
          ),
          h('label', { class: 'inline' }, edgeToggle, ' Show edge boxes ', h('kbd', {}, 'e')),
          h('h2', {}, 'Boxes to review'),
          list,
          edgeNote,
          classForm,
          actions,
          status,
          h('p', { class: 'note' }, 'Press ', h('kbd', {}, '?'), ' for every shortcut.'),
        ),
      ),
    ),
  );

  let index = 0;
  /** @type {any} */
  let sample = null;
  /** @type {ReviewBox[]} */
  let boxes = [];
  /** @type {{ label: string, box: number[] }[]} */
  let missed = [];
  let selected = 0;
  /** @type {'normal' | 'draw' | 'class'} */
  let mode = 'normal';
  /** @type {'fix' | 'missed'} */
  let classFor = 'fix';
  /** @type {number[] | null} */
  let draft = null;
  /** @type {SVGSVGElement | null} */
  let svg = null;

  async function refreshProgress() {
    const p = await getJson('/v1/qa/progress');
    const pos = queue.length
      ? `Sample ${Math.min(index + 1, queue.length)} of ${queue.length} in this queue`
      : 'No samples waiting for review';
    progressText.textContent = `${pos} · ${p.reviewed} of ${p.total} samples reviewed`;
    bar.setAttribute('max', String(Math.max(1, p.total)));
    bar.setAttribute('value', String(p.reviewed));
  }

  function say(/** @type {string} */ text, error = false) {
    status.textContent = text;
    status.className = error ? 'error' : '';
  }

  function applyEdge() {
    svg?.classList.toggle('hide-edge', !edgeToggle.checked);
  }

  function draw() {
    if (!sample) return;
    const w = sample.width ?? 640;
    const hgt = sample.height ?? 480;
    // Cloud boxes are numbered as in the list (the 1–9 keys); edge boxes carry no number.
    const shown = [
      ...boxes.map((b, i) => ({
        box: b.box,
        label: b.source === 'cloud' ? `${i + 1} ${b.newLabel ?? b.label}` : `edge ${b.label}`,
        score: b.score,
        kind: `${b.source}${b.source === 'cloud' && i === selected ? ' selected' : ''}${b.verdict === 'rejected' ? ' rejected' : ''}`,
      })),
      ...missed.map((m) => ({ box: m.box, label: `+ ${m.label}`, score: null, kind: 'missed' })),
      ...(draft ? [{ box: draft, label: 'new box', score: null, kind: 'draft' }] : []),
    ];
    const cloud = boxes.filter((b) => b.source === 'cloud').length;
    const made = boxedImage(
      {
        width: w,
        height: hgt,
        label: `Sample ${sample.id}: ${cloud} pre-tagged box${cloud === 1 ? '' : 'es'} on camera ${sample.camera ?? 'unknown'}`,
      },
      shown,
    );
    svg = /** @type {SVGSVGElement} */ (made.svg);
    svg.id = 'rq-image';
    svg.setAttribute('tabindex', '-1');
    if (sample.imageUrl)
      void imageUrl(sample.imageUrl)
        .then((u) => made.image.setAttribute('href', u))
        .catch((e) => say(`image: ${e.message}`, true));
    svg.addEventListener('pointerdown', onPointerDown);
    applyEdge();
    stage.replaceChildren(
      svg,
      h(
        'figcaption',
        {},
        h('strong', {}, `Camera ${sample.camera ?? 'unknown'}`),
        ` · ${timeText(sample.capturedAt)} · sampled because: `,
        h('span', { id: 'rq-reasons' }, reasonText(sample.reasons) || 'stratified draw'),
        h('br'),
        h(
          'span',
          { class: 'note' },
          `sample ${sample.id}, frame ${sample.frameId}, batch ${sample.batchId}`,
        ),
      ),
    );
    const edge = boxes.filter((b) => b.source === 'edge');
    edgeNote.textContent = edge.length
      ? `Edge pre-filter boxes (dashed, for context): ${edge.map((b) => `${b.label} ${b.score.toFixed(2)}`).join(', ')}.`
      : 'The edge pre-filter reported no boxes on this frame.';
    list.replaceChildren(
      ...boxes.map((b, i) =>
        b.source !== 'cloud'
          ? ''
          : h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  'aria-pressed': i === selected ? 'true' : 'false',
                  'data-box': i,
                  onclick: () => select(i),
                },
                h('span', {}, `${i + 1}. ${b.label} ${b.score.toFixed(2)}`),
                h(
                  'span',
                  { class: `verdict ${b.verdict ?? ''}` },
                  b.verdict
                    ? b.verdict === 'fixed'
                      ? `fixed → ${b.newLabel ?? ''}`
                      : b.verdict
                    : 'to review',
                ),
              ),
            ),
      ),
      ...missed.map((m) =>
        h('li', {}, h('span', { class: 'verdict missed' }, `missed: ${m.label}`)),
      ),
    );
    if (!boxes.some((b) => b.source === 'cloud'))
      list.prepend(
        h(
          'li',
          { class: 'note' },
          'No pre-tagged boxes: mark anything missed, then go to the next sample.',
        ),
      );
  }

  function cloudIndexes() {
    return boxes.map((b, i) => (b.source === 'cloud' ? i : -1)).filter((i) => i >= 0);
  }

  function select(/** @type {number} */ i) {
    if (boxes[i]?.source !== 'cloud') return;
    selected = i;
    draw();
  }

  function step(/** @type {number} */ d) {
    const ids = cloudIndexes();
    if (!ids.length) return;
    const at = Math.max(0, ids.indexOf(selected));
    selected = ids[(at + d + ids.length) % ids.length] ?? selected;
    draw();
  }

  async function show(/** @type {number} */ i) {
    if (mode !== 'normal') cancel();
    if (i < 0 || i >= queue.length) {
      if (i >= queue.length && queue.length) {
        index = queue.length;
        sample = null;
        stage.replaceChildren(
          h(
            'p',
            { id: 'rq-done' },
            'That was the last sample in this queue. Reload to fetch new ones.',
          ),
        );
        list.replaceChildren();
        await refreshProgress();
      }
      return;
    }
    index = i;
    const id = queue[i] ?? 0;
    sample = await detail(id);
    // Starts this reviewer's time on the image; losing it only loses one timing, not a verdict.
    postJson(`/v1/qa/samples/${id}/open`, {}).catch(() => undefined);
    // Only this reviewer's own verdicts count as decided: a sample under double review stays
    // pending for a second reviewer, who must judge it afresh.
    const mine = sample.reviews.filter((/** @type {any} */ v) => v.reviewer === ctx.name);
    boxes = sample.boxes
      .map((/** @type {ShownBox} */ b) => {
        const r = mine.find((/** @type {any} */ v) => v.verdict !== 'missed' && same(v.box, b.box));
        return {
          ...b,
          verdict: b.source === 'cloud' && r ? r.verdict : null,
          ...(r?.verdict === 'fixed' ? { newLabel: r.label } : {}),
        };
      })
      .sort((/** @type {ReviewBox} */ a, /** @type {ReviewBox} */ b) =>
        a.source === b.source ? b.score - a.score : a.source === 'cloud' ? -1 : 1,
      );
    missed = mine
      .filter((/** @type {any} */ v) => v.verdict === 'missed' && v.box)
      .map((/** @type {any} */ v) => ({ label: v.label, box: v.box }));
    selected = cloudIndexes().find((j) => !boxes[j]?.verdict) ?? cloudIndexes()[0] ?? 0;
    draw();
    say('');
    await refreshProgress();
    // Preload the next sample and its image while this one is reviewed.
    const next = queue[i + 1];
    if (next !== undefined)
      void detail(next)
        .then((d) => (d.imageUrl ? imageUrl(d.imageUrl) : undefined))
        .catch(() => undefined);
  }

  // Verdicts are sent one after another, in key-press order, each for the sample it was made on.
  /** @type {Promise<unknown>} */
  let chain = Promise.resolve();
  function send(
    /** @type {any} */ on,
    /** @type {Record<string, unknown>} */ body,
    /** @type {() => string} */ done,
  ) {
    const run = async () => {
      try {
        await postJson(`/v1/qa/samples/${on.id}/review`, body);
        details.delete(on.id);
        say(done());
        if (on === sample) draw();
        await refreshProgress();
      } catch (e) {
        say(`Not saved: ${e instanceof Error ? e.message : String(e)}`, true);
      }
    };
    chain = chain.then(run, run);
    return chain;
  }

  function decide(
    /** @type {'accepted' | 'rejected'} */ verdict,
    /** @type {number} */ at = selected,
  ) {
    const b = boxes[at];
    if (!sample || !b || b.source !== 'cloud') return;
    if (b.verdict) return say(`Box ${at + 1} is already ${b.verdict}.`);
    b.verdict = verdict;
    const nextOpen = cloudIndexes().find((j) => j > at && !boxes[j]?.verdict);
    if (nextOpen !== undefined) selected = nextOpen;
    draw();
    void send(
      sample,
      { verdict, label: b.label, score: b.score, box: b.box },
      () => `Box ${at + 1} (${b.label}) ${verdict}.`,
    );
  }

  function acceptAll() {
    const open = cloudIndexes().filter((j) => !boxes[j]?.verdict);
    if (!open.length) return say('Every box here already has a verdict.');
    for (const j of open) decide('accepted', j);
    void chain.then(() => say(`Accepted ${open.length} box${open.length === 1 ? '' : 'es'}.`));
  }

  function askClass(/** @type {'fix' | 'missed'} */ purpose) {
    if (!sample) return;
    if (purpose === 'fix' && boxes[selected]?.source !== 'cloud')
      return say('There is no box to fix.', true);
    classFor = purpose;
    mode = 'class';
    classLabel.textContent =
      purpose === 'fix'
        ? `Correct class for box ${selected + 1} (${boxes[selected]?.label ?? ''})`
        : 'Class of the missed object';
    classInput.value = '';
    classForm.hidden = false;
    classInput.focus();
  }

  function cancel() {
    mode = 'normal';
    draft = null;
    classForm.hidden = true;
    draw();
    document.getElementById('rq-image')?.focus();
  }

  classForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const label = classInput.value.trim();
    const known = new Set([...COCO80_NAMES, ...boxes.map((b) => b.label)]);
    if (!known.has(label)) return say(`"${label}" is not a known class.`, true);
    if (classFor === 'fix') {
      const at = selected;
      const b = boxes[at];
      if (!b) return;
      b.verdict = 'fixed';
      b.newLabel = label;
      void send(
        sample,
        { verdict: 'fixed', label, score: b.score, box: b.box, note: `was ${b.label}` },
        () => `Box ${at + 1} is now ${label}.`,
      );
    } else if (draft) {
      const box = draft.map((v) => Math.round(v * 100) / 100);
      missed.push({ label, box });
      void send(sample, { verdict: 'missed', label, box }, () => `Missed ${label} recorded.`);
    }
    classForm.hidden = true;
    mode = 'normal';
    draft = null;
    draw();
    document.getElementById('rq-image')?.focus();
  });
  classInput.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancel();
    }
  });

  function dims() {
    return { w: sample?.width ?? 640, hh: sample?.height ?? 480 };
  }

  function clampDraft() {
    if (!draft) return;
    const { w, hh } = dims();
    let [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = draft;
    const bw = Math.min(w, Math.max(4, x2 - x1));
    const bh = Math.min(hh, Math.max(4, y2 - y1));
    x1 = Math.min(Math.max(0, x1), w - bw);
    y1 = Math.min(Math.max(0, y1), hh - bh);
    draft = [x1, y1, x1 + bw, y1 + bh];
  }

  function startDraft() {
    if (!sample) return;
    const { w, hh } = dims();
    const side = Math.min(w, hh) / 4;
    draft = [w / 2 - side / 2, hh / 2 - side / 2, w / 2 + side / 2, hh / 2 + side / 2];
    mode = 'draw';
    say(
      'New box: drag on the image, or arrows to move and Shift+arrows to resize; Enter to name it, Esc to cancel.',
    );
    draw();
  }

  function toImage(/** @type {PointerEvent} */ e) {
    const m = svg?.getScreenCTM();
    if (!svg || !m) return [0, 0];
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    const { w, hh } = dims();
    return [Math.min(w, Math.max(0, pt.x)), Math.min(hh, Math.max(0, pt.y))];
  }

  function onPointerDown(/** @type {PointerEvent} */ e) {
    if (!sample || mode === 'class') return;
    const [x0 = 0, y0 = 0] = toImage(e);
    const target = /** @type {SVGSVGElement} */ (e.currentTarget);
    target.setPointerCapture(e.pointerId);
    let moved = false;
    const move = (/** @type {PointerEvent} */ ev) => {
      const [x = 0, y = 0] = toImage(ev);
      if (Math.abs(x - x0) < 3 && Math.abs(y - y0) < 3) return;
      moved = true;
      mode = 'draw';
      draft = [Math.min(x0, x), Math.min(y0, y), Math.max(x0, x), Math.max(y0, y)];
      draw();
    };
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      if (moved && draft) askClass('missed');
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    if (mode === 'draw' && draft) {
      const { w, hh } = dims();
      const d = Math.max(w, hh) / 50;
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = draft;
      const moves = /** @type {Record<string, number[]>} */ (
        e.shiftKey
          ? {
              ArrowRight: [x1, y1, x2 + d, y2],
              ArrowLeft: [x1, y1, x2 - d, y2],
              ArrowDown: [x1, y1, x2, y2 + d],
              ArrowUp: [x1, y1, x2, y2 - d],
            }
          : {
              ArrowRight: [x1 + d, y1, x2 + d, y2],
              ArrowLeft: [x1 - d, y1, x2 - d, y2],
              ArrowDown: [x1, y1 + d, x2, y2 + d],
              ArrowUp: [x1, y1 - d, x2, y2 - d],
            }
      );
      const next = moves[e.key];
      if (next) {
        draft = next;
        clampDraft();
        draw();
        return true;
      }
      if (e.key === 'Enter') {
        askClass('missed');
        return true;
      }
      if (e.key === 'Escape') {
        cancel();
        say('New box cancelled.');
        return true;
      }
      return false;
    }
    if (/^[1-9]$/.test(e.key)) {
      const ids = cloudIndexes();
      const j = ids[Number(e.key) - 1];
      if (j !== undefined) select(j);
      return true;
    }
    switch (e.key) {
      case 'j':
      case 'ArrowDown':
        step(1);
        return true;
      case 'k':
      case 'ArrowUp':
        step(-1);
        return true;
      case 'a':
        decide('accepted');
        return true;
      case 'A':
        acceptAll();
        return true;
      case 'r':
        decide('rejected');
        return true;
      case 'c':
        askClass('fix');
        return true;
      case 'm':
        startDraft();
        return true;
      case 'n':
        void show(index + 1);
        return true;
      case 'p':
        void show(index - 1);
        return true;
      case 'e':
        edgeToggle.checked = !edgeToggle.checked;
        applyEdge();
        return true;
      default:
        return false;
    }
  }

  if (queue.length) await show(0);
  else {
    stage.replaceChildren(h('p', { id: 'rq-done' }, 'No samples waiting for review.'));
    await refreshProgress();
  }
  return { onKey };
}
