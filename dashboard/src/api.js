// The dashboard's only door to the server: same-origin requests carrying the session cookie.
export class AuthError extends Error {}

let onAuthLost = () => {};
export function whenAuthLost(fn) {
  onAuthLost = fn;
}

async function request(url, options = {}) {
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', ...options });
  if (response.status === 401) {
    onAuthLost();
    throw new AuthError('signed out');
  }
  let body = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

export function api(path, params) {
  const qs = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  return request(`/_edgewatch/api/${path}${qs ? `?${qs}` : ''}`);
}

export function patchIssue(id, status) {
  return request(`/_edgewatch/api/issues/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ status }),
  });
}

export async function session() {
  const response = await fetch('/_edgewatch/session', { credentials: 'same-origin', cache: 'no-store' });
  return response.json();
}

export async function login(token) {
  const response = await fetch('/_edgewatch/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.ok) return { ok: true };
  let message = 'That token is not right.';
  try {
    const body = await response.json();
    if (response.status !== 401 && body.error) message = body.error.message;
    if (body.error && body.error.code === 'login_disabled') message = body.error.message;
  } catch {
    /* keep the default message */
  }
  return { ok: false, message };
}

export function logout() {
  return fetch('/_edgewatch/logout', { method: 'POST', credentials: 'same-origin' });
}

// Deployments, shared by every chart; refreshed at most every 20 s.
let deployCache = { at: 0, items: [] };
export async function deployments() {
  if (Date.now() - deployCache.at < 20000) return deployCache.items;
  try {
    const body = await api('deployments');
    const items = (body.deployments || [])
      .map((d) => ({ ...d, t: Date.parse(d.timestamp) / 1000 }))
      .filter((d) => Number.isFinite(d.t))
      .sort((a, b) => a.t - b.t);
    deployCache = { at: Date.now(), items };
  } catch (e) {
    if (e instanceof AuthError) throw e;
    deployCache.at = Date.now();
  }
  return deployCache.items;
}
