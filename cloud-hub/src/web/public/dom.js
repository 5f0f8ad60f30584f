/* global document */
// Small DOM helpers: elements from tag, attributes and children (text is never parsed as HTML).

/**
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string | number>} [attrs] @returns {SVGElement} */
export function s(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Reasons as QA sampling stores them ({ reason, tags, stratum }, strings or lists) as one line. */
export function reasonText(/** @type {unknown} */ reasons) {
  const list = Array.isArray(reasons) ? reasons : reasons == null ? [] : [reasons];
  return list
    .map((r) => {
      if (typeof r === 'string') return r;
      if (r && typeof r === 'object') {
        const tags = Array.isArray(r.tags) && r.tags.length ? r.tags.map(String) : [r.reason];
        const what = tags.filter((t) => typeof t === 'string' && t).join(' + ');
        if (what) return typeof r.stratum === 'string' ? `${what} (stratum ${r.stratum})` : what;
      }
      return JSON.stringify(r);
    })
    .filter((x) => x.length > 0)
    .join(', ');
}

/** @param {string | null | undefined} iso */
export function timeText(iso) {
  if (!iso) return 'unknown time';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

/** An image with boxes drawn over it, as an SVG in image pixel coordinates. */
export function boxedImage(
  /** @type {{ width: number, height: number, label: string }} */ img,
  /** @type {{ box: number[], label: string, score?: number | null, kind: string }[]} */ boxes,
) {
  const svg = s('svg', {
    viewBox: `0 0 ${img.width} ${img.height}`,
    role: 'img',
    'aria-label': img.label,
    preserveAspectRatio: 'xMidYMid meet',
  });
  const image = s('image', { width: img.width, height: img.height });
  svg.append(image);
  const font = Math.max(12, img.width / 45);
  for (const b of boxes) {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = b.box;
    svg.append(
      s('rect', { class: `box ${b.kind}`, x: x1, y: y1, width: x2 - x1, height: y2 - y1 }),
    );
    // Edge tags sit under their box, smaller, so they do not cover the pre-tags' labels.
    const under = b.kind.startsWith('edge');
    const size = under ? font * 0.75 : font;
    const y = under ? Math.min(img.height - 2, y2 + size) : Math.max(size, y1 - 4);
    const text = b.score == null ? b.label : `${b.label} ${b.score.toFixed(2)}`;
    // A tag that would run off the right edge ends at the box's right side instead.
    const right = x1 + 2 + text.length * size * 0.62 > img.width;
    const t = s('text', {
      class: `tag ${b.kind}`,
      x: right ? Math.min(img.width - 2, x2) : x1 + 2,
      y,
      'font-size': size,
      'text-anchor': right ? 'end' : 'start',
    });
    t.textContent = text;
    svg.append(t);
  }
  return { svg, image };
}
