// Staff views: admin (catalog, stock, order transitions), auditor (an order's story), analyst
// (the event feed). Roles are granted from the CLI; without one the API's 403 message shows.
import * as api from "./api.js";
import { h, clear, field, act, formData, notice, money, when } from "./dom.js";
import { go, flash } from "./app.js";
import { orderSummary, timeline } from "./checkout.js";

const CATEGORIES = ["tops", "bottoms", "dresses", "outerwear", "shoes", "accessories", "activewear", "formal"];

function orderTools(query) {
  const out = h("div", { "aria-live": "polite" });
  const shown = h("div", { id: "admin-order" });
  const idField = field("Order id", { name: "orderId", id: "admin-order-id", value: query.get("order") || "",
    required: true, placeholder: "order_…" });
  const orderId = () => idField.querySelector("input").value.trim();
  const show = (o) => clear(shown, orderSummary(o), h("h3", {}, "Timeline"), timeline(o.timeline));
  const transition = (name, body) => act(out, async () => {
    const o = (await api.post(`/v1/admin/orders/${encodeURIComponent(orderId())}/${name}`, body)).data;
    flash(`Order ${o.id} is now ${o.status}.`);
    show(o);
  }, form);
  const ship = h("fieldset", {}, h("legend", {}, "Shipping"),
    field("Tracking number", { name: "trackingNumber", id: "tracking-number", pattern: "[A-Za-z0-9]{4,40}" }),
    field("Carrier", { name: "carrier", id: "carrier", value: "UPS" }, "select",
      [["UPS", "UPS"], ["USPS", "USPS"], ["FedEx", "FedEx"], ["DHL", "DHL"]]));
  const form = h("form", { id: "admin-orders", onsubmit: (e) => e.preventDefault() },
    idField, ship, field("Refund reason", { name: "reason", id: "refund-reason" }),
    h("div", { class: "actions" },
      h("button", { type: "button", id: "confirm-order", onclick: () => transition("confirm") }, "Confirm"),
      h("button", { type: "button", id: "ship-order", onclick: () => {
        const d = formData(form);
        transition("ship", { trackingNumber: d.trackingNumber || "", carrier: d.carrier || "" });
      } }, "Ship"),
      h("button", { type: "button", class: "secondary", onclick: () => transition("deliver") }, "Mark delivered"),
      h("button", { type: "button", class: "secondary", onclick: () =>
        transition("refund", { reason: formData(form).reason || "" }) }, "Refund")),
    out);
  return h("section", {}, h("h2", {}, "Order transitions"),
    h("p", { class: "muted" }, "pending → processing (paid) → confirmed → shipped → delivered; refund from processing on."),
    form, shown);
}

function productForm(onSaved) {
  const out = h("div");
  const form = h("form", { onsubmit: (e) => {
    e.preventDefault();
    const d = formData(form);
    const body = { name: d.name, description: d.description, price: Number(d.price), currency: d.currency,
      brand: d.brand, category: d.category, tryonAvailable: form.querySelector("[name=tryonAvailable]").checked };
    if (d.subcategory) body.subcategory = d.subcategory;
    act(out, async () => { const p = (await api.post("/v1/admin/products", body)).data; onSaved(p); }, form);
  } },
  h("div", { class: "cols" },
    field("Name", { name: "name", required: true }), field("Brand", { name: "brand", required: true }),
    field("Price", { name: "price", type: "number", step: "0.01", min: 0, required: true }),
    field("Currency", { name: "currency", value: "USD" }, "select", ["USD", "EUR", "GBP", "CAD", "AUD"].map((c) => [c, c])),
    field("Category", { name: "category" }, "select", CATEGORIES.map((c) => [c, c])),
    field("Subcategory", { name: "subcategory" })),
  field("Description", { name: "description", required: true, rows: 2 }, "textarea"),
  h("label", {}, h("input", { type: "checkbox", name: "tryonAvailable", checked: true }), " Try-on available"),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Create product")), out);
  return form;
}

export async function adminView(page, { query, stale }) {
  const products = await api.get("/v1/products", { limit: 50, page: query.get("page") || 1, sort: "newest" });
  if (stale()) return;
  clear(page, h("h1", {}, "Admin"),
    orderTools(query),
    h("section", {}, h("h2", {}, "Products"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Product", "Category", "Price", "Variants", "Stock", "Try-on"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, products.data.map((p) => h("tr", {},
          h("td", {}, h("a", { href: `#/admin/product/${p.id}` }, p.name)),
          h("td", {}, p.category), h("td", {}, money(p.price, p.currency)),
          h("td", {}, (p.variants || []).length),
          h("td", {}, (p.variants || []).reduce((n, v) => n + v.stock, 0)),
          h("td", {}, p.tryonAvailable ? "yes" : "no"))))),
      h("details", {}, h("summary", {}, "New product"), productForm((p) => go(`/admin/product/${p.id}`)))));
}

export async function adminProductView(page, { params, stale }) {
  const [productId] = params;
  const p = (await api.get(`/v1/products/${productId}`)).data;
  if (stale()) return;
  const out = h("div", { "aria-live": "polite" });
  const reload = () => go(`/admin/product/${productId}`);
  const edit = h("form", { onsubmit: (e) => {
    e.preventDefault();
    const d = formData(edit);
    act(out, async () => {
      await api.patch(`/v1/admin/products/${productId}`, { name: d.name, price: Number(d.price),
        description: d.description, tryonAvailable: edit.querySelector("[name=tryonAvailable]").checked });
      flash("Product saved."); reload();
    }, edit);
  } },
  h("div", { class: "cols" }, field("Name", { name: "name", value: p.name, required: true }),
    field("Price", { name: "price", type: "number", step: "0.01", min: 0, value: p.price, required: true })),
  field("Description", { name: "description", value: p.description, rows: 2 }, "textarea"),
  h("label", {}, h("input", { type: "checkbox", name: "tryonAvailable", checked: p.tryonAvailable }), " Try-on available"),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Save product")));

  const rows = (p.variants || []).map((v) => {
    const stock = h("input", { type: "number", min: 0, value: v.stock, id: `stock-${v.id}`, class: "qty" });
    const price = h("input", { type: "number", min: 0, step: "0.01", value: v.price ?? p.price, id: `price-${v.id}`, class: "qty" });
    return h("tr", {}, h("td", {}, v.sku), h("td", {}, v.size), h("td", {}, v.color),
      h("td", {}, h("label", { for: stock.id, class: "sr-only" }, `Stock of ${v.sku}`), stock),
      h("td", {}, h("label", { for: price.id, class: "sr-only" }, `Price of ${v.sku}`), price),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
        await api.patch(`/v1/admin/products/${productId}/variants/${v.id}`,
          { stock: Number(stock.value), price: Number(price.value) });
        flash(`${v.sku} saved.`); reload();
      }) }, "Save")));
  });
  const add = h("form", { onsubmit: (e) => {
    e.preventDefault();
    const d = formData(add);
    act(out, async () => {
      await api.post(`/v1/admin/products/${productId}/variants`, { size: d.size, color: d.color,
        colorHex: (d.colorHex || "#000000").toUpperCase(), stock: Number(d.stock || 0), sku: d.sku,
        ...(d.price ? { price: Number(d.price) } : {}) });
      reload();
    }, add);
  } }, h("div", { class: "cols" },
    field("Size", { name: "size", required: true }), field("Colour", { name: "color", required: true }),
    field("Colour hex", { name: "colorHex", type: "color", value: "#336699" }),
    field("Stock", { name: "stock", type: "number", min: 0, value: 0 }),
    field("SKU", { name: "sku", required: true }), field("Price (optional)", { name: "price", type: "number", step: "0.01" })),
  h("button", { type: "submit" }, "Add variant"));

  clear(page, h("p", {}, h("a", { href: "#/admin" }, "← Admin")), h("h1", {}, `Edit: ${p.name}`), out,
    h("section", {}, h("h2", {}, "Product"), edit),
    h("section", {}, h("h2", {}, "Variants and stock"),
      h("table", {}, h("thead", {}, h("tr", {}, ["SKU", "Size", "Colour", "Stock", "Price", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows)),
      h("details", {}, h("summary", {}, "Add a variant"), add)));
}

export async function auditorView(page, { query }) {
  const out = h("div");
  const story = h("div", { id: "order-story" });
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    const id = (formData(form).orderId || "").trim();
    act(out, async () => {
      const events = (await api.get(`/v1/audit/orders/${encodeURIComponent(id)}/events`)).data;
      clear(story, h("h2", {}, `Story of ${id}`), h("table", {},
        h("thead", {}, h("tr", {}, ["#", "Event", "When", "Actor", "Request", "Data"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, events.map((ev) => h("tr", {},
          h("td", {}, ev.position), h("td", {}, ev.type), h("td", {}, when(ev.occurredAt)),
          h("td", {}, ev.actor || ""), h("td", {}, h("code", {}, ev.requestId || "")),
          h("td", {}, h("code", { class: "data" }, JSON.stringify(ev.data)))))))); 
    }, form);
  } }, field("Order id", { name: "orderId", value: query.get("order") || "", required: true }),
  h("button", { type: "submit" }, "Show story"));
  clear(page, h("h1", {}, "Auditor"), form, out, story,
    h("section", {}, h("h2", {}, "Hash-chain verification"),
      h("p", {}, "The tamper-evident chain of every log is checked from the command line: ",
        h("code", {}, "tryon audit verify"), " (and ", h("code", {}, "tryon audit heads"),
        "). The public API has no endpoint for it, so the browser cannot run it.")));
}

export async function analystView(page, { query, stale }) {
  const params = { limit: query.get("limit") || "50" };
  if (query.get("after")) params.after = query.get("after");
  if (query.get("types")) params.types = query.get("types");
  const body = await api.get("/v1/events", params);
  if (stale()) return;
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault(); go("/analyst?" + new URLSearchParams(formData(form)).toString());
  } }, field("Event types", { name: "types", value: params.types || "", placeholder: "Order.Placed,Render.Completed" }),
  field("After position", { name: "after", value: params.after || "" }),
  h("button", { type: "submit", class: "secondary" }, "Filter"));
  const next = body.cursor && body.cursor.hasMore
    ? h("a", { class: "button secondary", href: "#/analyst?" + new URLSearchParams({ ...params, after: body.cursor.next }) }, "Next page →")
    : null;
  clear(page, h("h1", {}, "Analyst: event feed"), form,
    body.data.length ? h("table", { class: "events" },
      h("thead", {}, h("tr", {}, ["Position", "Type", "Aggregate", "When", "Actor", "Data"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, body.data.map((ev) => h("tr", {}, h("td", {}, h("code", {}, ev.position)),
        h("td", {}, ev.type), h("td", {}, h("code", {}, ev.aggregateId || "")),
        h("td", {}, when(ev.occurredAt)), h("td", {}, ev.actor || ""),
        h("td", {}, h("details", {}, h("summary", {}, "data"),
          h("code", { class: "data" }, JSON.stringify(ev.data ?? {})))))))) : notice("No events."),
    h("nav", { class: "pager" }, next));
}
