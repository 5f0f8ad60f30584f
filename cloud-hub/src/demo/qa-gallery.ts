// The QA gallery: a static page with each sampled image, its kept cloud boxes drawn as inline SVG
// over it, and why it was sampled. Images sit next to the page. Pure (HTML text only).

export interface GalleryItem {
  frameId: string;
  camera: string;
  /** File name of the JPEG next to index.html. */
  image: string;
  width: number;
  height: number;
  reasons: unknown;
  boxes: { label: string; score: number; box: readonly number[] }[];
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** Reasons as stored by QA sampling ({ reason, tags, stratum }, strings, or lists) as one line. */
export function reasonText(reasons: unknown): string {
  const list: unknown[] = Array.isArray(reasons) ? reasons : reasons == null ? [] : [reasons];
  return list
    .map((r) => {
      if (typeof r === 'string') return r;
      if (r && typeof r === 'object') {
        const o = r as { reason?: unknown; tags?: unknown; stratum?: unknown };
        const tags = Array.isArray(o.tags) && o.tags.length ? o.tags.map(String) : [o.reason];
        const what = tags.filter((t) => typeof t === 'string' && t).join(' + ');
        if (what) return typeof o.stratum === 'string' ? `${what} (stratum ${o.stratum})` : what;
      }
      return JSON.stringify(r);
    })
    .filter((s) => s.length > 0)
    .join(', ');
}

function card(it: GalleryItem): string {
  const rects = it.boxes
    .map((b) => {
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = b.box;
      const label = `${b.label} ${b.score.toFixed(2)}`;
      return `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="#00e676" stroke-width="${Math.max(2, it.width / 320)}"/><text x="${x1 + 2}" y="${Math.max(12, y1 - 4)}" fill="#00e676" stroke="#000" stroke-width="3" paint-order="stroke" font-family="sans-serif" font-size="${Math.max(12, it.width / 50)}">${esc(label)}</text>`;
    })
    .join('');
  return `<figure><svg viewBox="0 0 ${it.width} ${it.height}" xmlns="http://www.w3.org/2000/svg"><image href="${esc(it.image)}" width="${it.width}" height="${it.height}"/>${rects}</svg><figcaption><b>${esc(it.camera)}</b> ${esc(it.frameId)}<br>sampled because: ${esc(reasonText(it.reasons) || 'stratified draw')}<br>${it.boxes.length} kept box${it.boxes.length === 1 ? '' : 'es'}</figcaption></figure>`;
}

export function galleryHtml(
  items: readonly GalleryItem[],
  title = 'pretag demo: QA sample',
): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:1em;background:#fafafa}main{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}figure{margin:0;background:#fff;padding:.5em;box-shadow:0 1px 3px #0003}svg{width:100%;height:auto;display:block}figcaption{font-size:.85em;margin-top:.3em;word-break:break-all}</style></head><body><h1>${esc(title)}</h1><p>${items.length} sampled image${items.length === 1 ? '' : 's'}; boxes are the cloud detections kept after cleanup.</p><main>${items.map(card).join('')}</main></body></html>\n`;
}
