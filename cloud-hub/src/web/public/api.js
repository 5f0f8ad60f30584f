/* global sessionStorage, fetch, Blob */
// Every call goes to the hub's /v1 API with the signed-in token, like any other client.
// The token lives in sessionStorage (this tab only).

const KEY = 'pretag.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (/** @type {string} */ t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, accept?: string }} [o]
 * @returns {Promise<Response>}
 */
export async function call(path, o = {}) {
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${token.get() ?? ''}` };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.accept) headers.accept = o.accept;
  const res = await fetch(path, {
    method: o.method ?? 'GET',
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const e = await res.json();
      if (e && typeof e.message === 'string') message = e.message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, message);
  }
  return res;
}

/** @param {string} path @returns {Promise<any>} */
export const getJson = async (path) => (await call(path)).json();

/** @param {string} path @param {unknown} body @returns {Promise<any>} */
export const postJson = async (path, body) => (await call(path, { method: 'POST', body })).json();

// Images need the token too, so they are fetched and shown as blob: URLs, cached by path.
/** @type {Map<string, Promise<string>>} */
const images = new Map();
const MAX_IMAGES = 300;

/** @param {string} path @returns {Promise<string>} an object URL */
export function imageUrl(path) {
  let p = images.get(path);
  if (!p) {
    p = call(path).then(async (r) =>
      URL.createObjectURL(new Blob([await r.arrayBuffer()], { type: 'image/jpeg' })),
    );
    p.catch(() => images.delete(path));
    images.set(path, p);
    if (images.size > MAX_IMAGES) {
      const [oldest] = images.keys();
      const old = oldest === undefined ? undefined : images.get(oldest);
      if (oldest !== undefined) images.delete(oldest);
      void old?.then((u) => URL.revokeObjectURL(u)).catch(() => undefined);
    }
  }
  return p;
}

/** @param {string} path @returns {Promise<any[]>} every item of a paged list */
export async function allPages(path, max = 2000) {
  const out = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await getJson(
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
