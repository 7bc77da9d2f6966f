// Cart, coupon, checkout, the sandbox payment, the order list and an order's timeline.
import * as api from "./api.js";
import { h, clear, field, act, formData, notice, money, when, productPicture } from "./dom.js";
import { go, flash } from "./app.js";
import { addressBook } from "./account.js";

const STATUSES = ["pending", "processing", "confirmed", "shipped", "delivered", "cancelled", "refunded"];

function totals(t, currency = "USD") {
  const row = (name, value, id) => [h("dt", {}, name), h("dd", { id }, money(value, currency))];
  return h("dl", { class: "totals" },
    row("Subtotal", t.subtotal), row("Tax", t.tax), row("Shipping", t.shipping),
    t.discount ? row("Discount", -t.discount) : null,
    h("dt", { class: "total" }, "Total"),
    h("dd", { class: "total", id: "total" }, money(t.total ?? t.totalAmount, currency)));
}

// The API flags an item whose price moved since it was added (`priceChanged`, with the old price).
function priceNote(item, currency) {
  const flag = typeof item.priceChanged === "object" && item.priceChanged ? item.priceChanged : {};
  const old = [item.previousPrice, item.oldPrice, item.addedPrice, flag.previousPrice, flag.oldPrice,
    flag.from, flag.was].find((v) => typeof v === "number");
  return old === undefined ? "The price changed since you added it."
    : `The price changed since you added it (was ${money(old, currency)}, now ${money(item.product.price, currency)}).`;
}

export async function cartView(page, { stale }) {
  const cart = (await api.get("/v1/cart")).data;
  // Each line names its variant; the size and colour come from the product itself.
  const products = new Map();
  await Promise.all([...new Set(cart.items.map((i) => i.product.id))].map(async (id) => {
    try { products.set(id, (await api.get(`/v1/products/${id}`)).data); } catch { /* gone */ }
  }));
  if (stale()) return;
  const out = h("div", { "aria-live": "polite" });
  const reload = () => go("/cart");
  const first = cart.items[0] && products.get(cart.items[0].product.id);
  const currency = (first && first.currency) || "USD";
  const variantOf = (item) => {
    const p = products.get(item.product.id);
    const v = p && (p.variants || []).find((x) => x.id === item.variantId);
    return v ? `${v.size} · ${v.color}` : "";
  };
  const coupon = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    act(out, async () => { await api.put("/v1/cart/coupon", { couponCode: formData(coupon).couponCode || "" }); reload(); }, coupon);
  } },
  field("Coupon code", { name: "couponCode", value: cart.couponCode || "", placeholder: "WELCOME10" }),
  h("button", { type: "submit", class: "secondary" }, "Apply"),
  cart.couponCode ? h("button", { type: "button", class: "link", onclick: () => act(out, async () => {
    await api.del("/v1/cart/coupon"); reload();
  }) }, `Remove ${cart.couponCode}`) : null);

  clear(page, h("h1", {}, "Your cart"), out,
    cart.items.length ? [
      h("ul", { class: "lines", "aria-label": "Cart items" }, cart.items.map((item) => {
        const qty = h("input", { type: "number", min: 1, max: 99, value: item.quantity, id: `qty-${item.id}`, class: "qty" });
        return h("li", {},
          productPicture({ name: item.product.name, images: item.product.image ? [item.product.image] : [] }, "mini"),
          h("div", {},
            h("a", { href: `#/product/${item.product.id}` }, h("strong", {}, item.product.name)),
            h("p", { class: "muted" }, [item.product.brand, variantOf(item)].filter(Boolean).join(" · ")),
            item.priceChanged ? h("p", { class: "warn", role: "note" }, priceNote(item, currency)) : null),
          h("div", { class: "line-qty" },
            h("label", { for: `qty-${item.id}` }, "Quantity"), qty,
            h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
              await api.patch(`/v1/cart/items/${item.id}`, { quantity: Number(qty.value) }); reload();
            }) }, "Update"),
            h("button", { type: "button", class: "link", onclick: () => act(out, async () => {
              await api.del(`/v1/cart/items/${item.id}`); reload();
            }) }, "Remove")),
          h("p", { class: "price" }, money(item.product.price * item.quantity, currency)));
      })),
      coupon, totals(cart, currency),
      cart.estimatedDelivery ? h("p", { class: "muted" }, "Estimated delivery ", cart.estimatedDelivery) : null,
      h("p", {}, h("a", { href: "#/checkout", class: "button", id: "checkout" }, "Checkout")),
    ] : notice("Your cart is empty."),
    h("p", {}, h("a", { href: "#/" }, "Continue shopping")));
}

export async function checkoutView(page, { stale }) {
  const cart = (await api.get("/v1/cart")).data;
  if (stale()) return;
  if (!cart.items.length) { clear(page, h("h1", {}, "Checkout"), notice("Your cart is empty.")); return; }
  const out = h("div");
  const addresses = h("div");
  const choice = h("div");
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
  const fillChoice = async () => {
    const list = (await api.get("/v1/users/me/addresses")).data;
    clear(choice, list.length ? h("fieldset", {}, h("legend", {}, "Ship to"), list.map((a) =>
      h("label", { class: "radio" }, h("input", { type: "radio", name: "shippingAddressId", value: a.id, checked: a.isDefault }),
        ` ${a.firstName} ${a.lastName}, ${a.street}, ${a.city} ${a.zipCode}, ${a.country}`)))
      : notice("Add a shipping address below."));
  };
  const form = h("form", { id: "checkout-form", onsubmit: (e) => {
    e.preventDefault();
    const d = formData(form);
    act(out, async () => {
      if (!d.shippingAddressId) throw new Error("Choose a shipping address (add one below).");
      const order = (await api.post("/v1/orders", { shippingAddressId: d.shippingAddressId,
        shippingMethod: d.shippingMethod, ...(d.notes ? { notes: d.notes } : {}) }, { idempotent: key })).data;
      go(`/pay/${order.id}`);
    }, form);
  } },
  choice,
  field("Shipping", { name: "shippingMethod", value: "standard" }, "select",
    [["standard", "Standard"], ["express", "Express"], ["overnight", "Overnight"]]),
  field("Notes for the courier", { name: "notes", maxlength: 500 }, "textarea"),
  totals(cart, (cart.items[0] && cart.items[0].product.currency) || "USD"),
  h("button", { type: "submit", id: "place-order" }, "Place order and pay"), out);
  clear(page, h("h1", {}, "Checkout"), form,
    h("section", {}, h("h2", {}, "Addresses"), addresses));
  await fillChoice();
  await addressBook(addresses, fillChoice);
}

export async function payView(page, { params, stale }) {
  const [orderId] = params;
  const order = (await api.get(`/v1/orders/${orderId}`)).data;
  if (stale()) return;
  if (order.paymentStatus !== "pending" || order.status !== "pending") { go(`/orders/${orderId}`); return; }
  // One payment order per order: the idempotency key makes a reload return the same one.
  const payment = (await api.post("/v1/payments/orders", { orderId }, { idempotent: `pay-${orderId}` })).data;
  if (stale()) return;
  const out = h("div", { "aria-live": "polite" });
  const year = new Date().getFullYear();
  const form = h("form", { id: "pay-form", class: "narrow", onsubmit: (e) => {
    e.preventDefault();
    const d = formData(form);
    act(out, async () => {
      const paid = (await api.post(`/v1/payments/sandbox/${payment.paymentOrderId}/pay`, {
        cardNumber: (d.cardNumber || "").replace(/\s+/g, ""), expiryMonth: Number(d.expiryMonth),
        expiryYear: Number(d.expiryYear), cvc: d.cvc || "" })).data;
      await api.post("/v1/payments/verify", paid, { idempotent: `verify-${paid.transactionId}` });
      flash("Payment received. Thank you!");
      go(`/orders/${orderId}`);
    }, form);
  } },
  h("p", {}, "Sandbox card ", h("code", {}, "4242 4242 4242 4242"), " is approved, ",
    h("code", {}, "4000 0000 0000 0002"), " is declined."),
  field("Card number", { name: "cardNumber", id: "card-number", inputmode: "numeric", autocomplete: "cc-number", required: true }),
  h("div", { class: "cols" },
    field("Expiry month", { name: "expiryMonth", type: "number", min: 1, max: 12, value: 12, autocomplete: "cc-exp-month", required: true }),
    field("Expiry year", { name: "expiryYear", type: "number", min: year, max: year + 20, value: year + 2, autocomplete: "cc-exp-year", required: true }),
    field("CVC", { name: "cvc", inputmode: "numeric", maxlength: 4, value: "", autocomplete: "cc-csc", required: true })),
  h("button", { type: "submit", id: "pay" }, `Pay ${money(payment.amount, payment.currency)}`), out);
  clear(page, h("h1", {}, "Sandbox payment"),
    h("p", {}, `Order ${order.id} · `, h("strong", {}, money(payment.amount, payment.currency))),
    form,
    h("p", { class: "muted" }, "Or use the provider's hosted page: ",
      h("a", { href: payment.paymentUrl, target: "_blank", rel: "noopener" }, "sandbox checkout"),
      " (then come back to your ", h("a", { href: `#/orders/${orderId}` }, "order"), ")."));
}

export async function ordersView(page, { query, stale }) {
  const params = { status: query.get("status") || "", page: query.get("page") || "1", limit: "10" };
  const body = await api.get("/v1/orders", params);
  if (stale()) return;
  const filter = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault(); go("/orders?" + new URLSearchParams(formData(filter)).toString());
  } }, field("Status", { name: "status", value: params.status }, "select",
    [["", "All"], ...STATUSES.map((s) => [s, s])]), h("button", { type: "submit", class: "secondary" }, "Filter"));
  const pg = body.pagination;
  const link = (n, text) => h("a", { class: "button secondary",
    href: "#/orders?" + new URLSearchParams({ ...params, page: String(n) }) }, text);
  clear(page, h("h1", {}, "Your orders"), filter,
    body.data.length ? h("table", { class: "orders" },
      h("thead", {}, h("tr", {}, ["Order", "Placed", "Items", "Total", "Status", "Payment"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, body.data.map((o) => h("tr", {},
        h("td", {}, h("a", { href: `#/orders/${o.id}` }, o.id)),
        h("td", {}, when(o.createdAt)),
        h("td", {}, (o.items || []).reduce((n, i) => n + i.quantity, 0)),
        h("td", {}, money(o.totalAmount, o.currency || "USD")),
        h("td", {}, h("span", { class: `status status-${o.status}` }, o.status)),
        h("td", {}, o.paymentStatus))))) : notice("No orders yet."),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pg.hasPrevious ? link(pg.currentPage - 1, "← Previous") : null,
      pg.hasNext ? link(pg.currentPage + 1, "Next →") : null));
}

export function timeline(events) {
  return h("ol", { class: "timeline" }, (events || []).map((t) => h("li", {},
    h("strong", {}, t.status), " · ", h("time", { datetime: t.timestamp }, when(t.timestamp)),
    t.message ? h("p", {}, t.message) : null)));
}

export function orderSummary(o) {
  const addr = o.shippingAddress;
  return [
    h("p", {}, "Status: ", h("strong", { class: `status status-${o.status}`, id: "order-status" }, o.status),
      " · payment ", h("strong", {}, o.paymentStatus), " · ", o.shippingMethod),
    o.trackingNumber ? h("p", {}, "Tracking: ", o.trackingUrl
      ? h("a", { href: o.trackingUrl, rel: "noopener noreferrer", target: "_blank" }, o.trackingNumber) : o.trackingNumber,
    o.carrier ? ` (${o.carrier})` : "") : null,
    h("ul", { class: "lines order-lines" }, (o.items || []).map((i) => h("li", {},
      h("span", {}, `${i.quantity} × ${i.product.name}`), h("span", { class: "price" }, money(i.product.price * i.quantity, o.currency || "USD"))))),
    totals({ ...o, total: o.totalAmount }, o.currency || "USD"),
    addr ? h("p", {}, "Ships to ", [addr.firstName + " " + addr.lastName, addr.street, addr.city, addr.zipCode, addr.country].filter(Boolean).join(", ")) : null,
  ];
}

export async function orderView(page, { params, stale }) {
  const [orderId] = params;
  const o = (await api.get(`/v1/orders/${orderId}`)).data;
  if (stale()) return;
  const out = h("div");
  const cancellable = ["pending", "processing", "confirmed"].includes(o.status);
  clear(page, h("p", {}, h("a", { href: "#/orders" }, "← Orders")),
    h("h1", {}, `Order ${o.id}`), out, orderSummary(o),
    h("div", { class: "actions" },
      o.status === "pending" && o.paymentStatus === "pending" ? h("a", { class: "button", href: `#/pay/${o.id}` }, "Pay now") : null,
      cancellable ? h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
        await api.post(`/v1/orders/${o.id}/cancel`, { reason: "Cancelled by the customer" });
        flash("Order cancelled."); go(`/orders/${o.id}`);
      }) }, "Cancel order") : null,
      h("button", { type: "button", class: "secondary", onclick: () => go(`/orders/${o.id}`) }, "Refresh")),
    h("section", {}, h("h2", {}, "Timeline"), timeline(o.timeline)));
}
