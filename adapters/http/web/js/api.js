// The public API, as the browser sees it. The access token lives only in this module's memory;
// the refresh token is an httpOnly cookie scoped to /v1/auth/session that script never reads.

let accessToken = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `Request failed (${status})`);
    this.status = status;
    this.code = error.code || "HTTP_" + status;
    this.details = error.details || null;
  }
  // The API's own words, with the field errors it listed.
  get fullMessage() {
    const fields = ((this.details && this.details.fields) || [])
      .filter((f) => f.message !== this.message);
    if (!fields.length) return this.message;
    return this.message + ": " + fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  }
}

export function onSessionChange(fn) { listeners.add(fn); }
function changed() { for (const fn of listeners) fn(accessToken !== null); }

export function signedIn() { return accessToken !== null; }

function setAccess(tokens) {
  accessToken = tokens ? tokens.accessToken : null;
  changed();
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// A new access token from the session cookie; one refresh at a time (tokens rotate).
export function refresh() {
  if (!refreshing) {
    refreshing = fetch("/v1/auth/session/refresh", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: "{}",
    }).then(parse).then((body) => { setAccess(body.data); return true; })
      .catch(() => { setAccess(null); return false; })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

function idempotencyKey() {
  return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
}

// request(method, path, {body, query, form, idempotent}) -> the parsed envelope.
export async function request(method, path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(options.query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = {};
  let body;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (options.idempotent) headers["Idempotency-Key"] = options.idempotent === true
    ? idempotencyKey() : options.idempotent;
  const send = () => {
    const h = { ...headers };
    if (accessToken) h.Authorization = "Bearer " + accessToken;
    return fetch(url, { method, headers: h, body, credentials: "same-origin" });
  };
  let response = await send();
  if (response.status === 401 && accessToken && await refresh()) response = await send();
  return parse(response);
}

// A file that opens with its owner's token only (a scan photo's overlay), as an object URL
// an <img> can show (an <img> sends no Authorization header).
export async function ownFile(url) {
  const send = () => fetch(url, { credentials: "same-origin",
    headers: accessToken ? { Authorization: "Bearer " + accessToken } : {} });
  let response = await send();
  if (response.status === 401 && accessToken && await refresh()) response = await send();
  if (!response.ok) throw new ApiError(response.status, null);
  return URL.createObjectURL(await response.blob());
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, body, extra = {}) => request("POST", path, { body, ...extra });
export const patch = (path, body) => request("PATCH", path, { body });
export const put = (path, body) => request("PUT", path, { body });
export const del = (path) => request("DELETE", path);

export async function register(fields) {
  const body = await post("/v1/auth/session/register", fields);
  setAccess(body.data.tokens);
  return body.data.user;
}

export async function login(email, password) {
  const body = await post("/v1/auth/session/login", { email, password });
  setAccess(body.data.tokens);
  return body.data.user;
}

export async function logout() {
  try { await post("/v1/auth/session/logout", {}); } finally { setAccess(null); }
}

// Server-sent events over fetch (EventSource cannot send the Authorization header).
// Calls onEvent({event, data}) for each event; resolves when the stream ends.
export async function events(path, onEvent, signal) {
  const open = () => fetch(path, {
    headers: { Authorization: "Bearer " + accessToken, Accept: "text/event-stream" }, signal,
  });
  let response = await open();
  if (response.status === 401 && await refresh()) response = await open();
  if (!response.ok) await parse(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) {
        let parsed = data.join("\n");
        try { parsed = JSON.parse(parsed); } catch { /* plain text event */ }
        onEvent({ event, data: parsed });
      }
    }
  }
}
