// Small DOM helpers: elements are built with text nodes only (no innerHTML of API data).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export const uid = (prefix = "f") => `${prefix}-${++ids}`;

// A labelled form control. kind: "input" (default), "select" (options [[value, text]]), "textarea".
export function field(label, attrs = {}, kind = "input", options = []) {
  const id = attrs.id || uid();
  const control = kind === "select"
    ? h("select", { ...attrs, id }, options.map(([v, t]) =>
      h("option", { value: v, selected: String(attrs.value ?? "") === String(v) }, t)))
    : h(kind, { ...attrs, id });
  if (kind === "textarea" && attrs.value) control.value = attrs.value;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

export function money(amount, currency = "EUR") {
  if (amount === null || amount === undefined) return "";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch { return `${Number(amount).toFixed(2)} ${currency}`; }
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

// An alert with the API's message (role=alert so screen readers announce it).
export function errorBox(err) {
  const text = err && err.fullMessage ? err.fullMessage : (err && err.message) || String(err);
  return h("p", { class: "error", role: "alert" }, text);
}

export function notice(text) { return h("p", { class: "notice", role: "status" }, text); }

// Runs an async action for a form: disables its buttons, shows the API's error in `out`.
export async function act(out, action, busy = null) {
  const buttons = busy ? busy.querySelectorAll("button") : [];
  buttons.forEach((b) => { b.disabled = true; });
  if (out) out.replaceChildren();
  try {
    return await action();
  } catch (err) {
    if (out) out.replaceChildren(errorBox(err));
    else console.error(err);
    return undefined;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

export function formData(form) {
  const data = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (typeof v === "string" && v.trim() === "") continue;
    data[k] = typeof v === "string" ? v.trim() : v;
  }
  return data;
}

// Same-origin (or API-issued) images only; anything else gets a drawn placeholder.
export function productPicture(product, cls = "thumb") {
  const image = (product.images || [])[0];
  const url = image && (image.url || image);
  const local = typeof url === "string" && (url.startsWith("/") || url.startsWith(location.origin));
  if (local) return h("img", { class: cls, src: url, alt: product.name || "" });
  const colour = ((product.variants || [])[0] || {}).colorHex || "#8a8f98";
  const box = h("div", { class: cls + " placeholder", role: "img", "aria-label": product.name || "" },
    h("span", {}, (product.name || "?").split(" ").map((w) => w[0]).join("").slice(0, 3)));
  box.style.setProperty("--swatch", colour);
  return box;
}
