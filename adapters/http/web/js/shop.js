// Catalog (filters, sort, search, pagination) and the product page.
import * as api from "./api.js";
import { h, clear, field, money, when, act, formData, notice, productPicture } from "./dom.js";
import { go, flash } from "./app.js";

const CATEGORIES = ["tops", "bottoms", "dresses", "outerwear", "shoes", "accessories",
  "activewear", "formal"];
const SORTS = [["newest", "Newest"], ["price_asc", "Price: low to high"],
  ["price_desc", "Price: high to low"], ["rating", "Rating"]];
const FILTERS = ["q", "category", "brand", "minPrice", "maxPrice", "tryonAvailable", "inStock",
  "sort", "page", "limit"];

function stars(average) {
  const full = Math.round(average || 0);
  return h("span", { class: "stars", "aria-label": `Rated ${average ?? 0} out of 5` },
    "★".repeat(full) + "☆".repeat(5 - full));
}

export async function catalogView(page, { query, stale }) {
  const params = {};
  for (const key of FILTERS) if (query.get(key)) params[key] = query.get(key);
  params.limit = params.limit || "12";
  const body = await api.get("/v1/products", params);
  if (stale()) return;

  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter products",
    onsubmit: (e) => {
      e.preventDefault();
      const data = formData(form);
      for (const box of ["tryonAvailable", "inStock"]) if (data[box]) data[box] = "true";
      go("/?" + new URLSearchParams(data).toString());
    } },
  field("Search", { name: "q", type: "search", value: params.q || "", placeholder: "merino, denim…" }),
  field("Category", { name: "category", value: params.category || "" }, "select",
    [["", "All"], ...CATEGORIES.map((c) => [c, c[0].toUpperCase() + c.slice(1)])]),
  field("Brand", { name: "brand", value: params.brand || "" }),
  field("Min price", { name: "minPrice", type: "number", min: 0, step: "0.01", value: params.minPrice || "" }),
  field("Max price", { name: "maxPrice", type: "number", min: 0, step: "0.01", value: params.maxPrice || "" }),
  field("Sort by", { name: "sort", value: params.sort || "newest" }, "select", SORTS),
  h("div", { class: "checks" },
    h("label", {}, h("input", { type: "checkbox", name: "tryonAvailable", value: "true",
      checked: params.tryonAvailable === "true" }), " Try-on available"),
    h("label", {}, h("input", { type: "checkbox", name: "inStock", value: "true",
      checked: params.inStock === "true" }), " In stock")),
  h("div", { class: "actions" }, h("button", { type: "submit" }, "Apply"),
    h("a", { href: "#/", class: "button secondary" }, "Reset")));

  const grid = h("ul", { class: "grid", "aria-label": "Products" }, body.data.map((p) =>
    h("li", { class: "card" },
      h("a", { href: `#/product/${p.id}`, class: "card-link" },
        productPicture(p),
        h("h2", {}, p.name)),
      h("p", { class: "muted" }, p.brand, " · ", p.category),
      h("p", { class: "price" }, money(p.price, p.currency),
        p.originalPrice ? h("s", { class: "muted" }, " ", money(p.originalPrice, p.currency)) : null),
      h("p", {}, stars(p.rating && p.rating.average), " ",
        h("span", { class: "muted" }, `(${(p.rating && p.rating.count) || 0})`),
        p.tryonAvailable ? h("span", { class: "badge" }, "Try-on") : null))));

  const pg = body.pagination;
  const pageLink = (n, text) => {
    const q = new URLSearchParams({ ...params, page: String(n) });
    return h("a", { href: "#/?" + q.toString(), class: "button secondary" }, text);
  };
  clear(page,
    h("h1", {}, "Shop"),
    form,
    h("p", { class: "muted", role: "status" },
      `${pg.totalItems} products · page ${pg.currentPage} of ${Math.max(pg.totalPages, 1)}`),
    body.data.length ? grid : notice("No products match these filters."),
    h("nav", { class: "pager", "aria-label": "Pages" },
      pg.hasPrevious ? pageLink(pg.currentPage - 1, "← Previous") : null,
      pg.hasNext ? pageLink(pg.currentPage + 1, "Next →") : null));
}

function sizeGuide(product) {
  const guide = (product.sizing && product.sizing.sizeGuide) || {};
  const ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"];
  const rank = (s) => (ORDER.indexOf(s) >= 0 ? ORDER.indexOf(s) : 100 + (parseFloat(s) || 0));
  const sizes = Object.keys(guide).sort((a, b) => rank(a) - rank(b));
  if (!sizes.length) return notice("No size guide for this product.");
  const columns = [...new Set(sizes.flatMap((s) => Object.keys(guide[s])))];
  return h("table", {},
    h("caption", {}, `Size guide (cm)${product.sizing.fit ? " · " + product.sizing.fit + " fit" : ""}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Size"),
      columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, sizes.map((s) => h("tr", {}, h("th", { scope: "row" }, s),
      columns.map((c) => h("td", {}, guide[s][c] ?? "—"))))));
}

export async function productView(page, { params, stale }) {
  const [productId] = params;
  const product = (await api.get(`/v1/products/${productId}`)).data;
  if (stale()) return;
  const variants = product.variants || [];
  const firstInStock = variants.find((v) => v.stock > 0) || variants[0];
  const out = h("div", { "aria-live": "polite" });
  const variantSelect = field("Size and colour", { name: "variantId", id: "variant",
    value: firstInStock && firstInStock.id }, "select",
  variants.map((v) => [v.id, `${v.size} · ${v.color} · ${money(v.price ?? product.price, product.currency)}` +
      (v.stock > 0 ? ` · ${v.stock} in stock` : " · out of stock")]));
  const quantity = field("Quantity", { name: "quantity", id: "quantity", type: "number", min: 1,
    max: 10, value: 1 });
  const chosen = () => variantSelect.querySelector("select").value;

  const buy = h("form", { class: "buy", onsubmit: (e) => {
    e.preventDefault();
    if (!api.signedIn()) { go(`/login?next=/product/${productId}`); return; }
    act(out, async () => {
      await api.post("/v1/cart/items", { productId, variantId: chosen(),
        quantity: Number(quantity.querySelector("input").value) });
      flash(`${product.name} added to your cart.`);
      clear(out, notice("Added to your cart. "), h("a", { href: "#/cart" }, "Go to cart"));
    }, buy);
  } },
  variantSelect, quantity,
  h("div", { class: "actions" },
    h("button", { type: "submit", id: "add-to-cart" }, "Add to cart"),
    product.tryonAvailable ? h("button", { type: "button", class: "secondary", id: "try-on",
      onclick: () => go(`/studio?product=${productId}&variant=${chosen()}`) }, "Try it on") : null,
    h("button", { type: "button", class: "secondary", onclick: () => {
      if (!api.signedIn()) { go("/login"); return; }
      act(out, async () => {
        await api.post("/v1/closet", { productId, variantId: chosen() });
        clear(out, notice("Saved to your closet."));
      }, buy);
    } }, "Save to closet")),
  out);

  const reviewOut = h("div");
  const reviewForm = h("form", { class: "review-form", onsubmit: (e) => {
    e.preventDefault();
    act(reviewOut, async () => {
      const data = formData(reviewForm);
      await api.post(`/v1/products/${productId}/reviews`,
        { rating: Number(data.rating), title: data.title || "", comment: data.comment || "" });
      flash("Thanks for your review.");
      go(`/product/${productId}`);
    }, reviewForm);
  } },
  h("h3", {}, "Write a review"),
  field("Rating", { name: "rating", value: 5 }, "select",
    [[5, "5 — love it"], [4, "4"], [3, "3"], [2, "2"], [1, "1 — no"]]),
  field("Title", { name: "title", maxlength: 100 }),
  field("Comment", { name: "comment", rows: 3, maxlength: 2000 }, "textarea"),
  h("button", { type: "submit" }, "Post review"), reviewOut);

  const specs = Object.entries(product.specifications || {});
  clear(page,
    h("p", {}, h("a", { href: "#/" }, "← Shop")),
    h("div", { class: "product" },
      h("div", {}, productPicture(product, "hero")),
      h("div", {},
        h("h1", {}, product.name),
        h("p", { class: "muted" }, product.brand, " · ", product.category,
          product.subcategory ? " / " + product.subcategory : ""),
        h("p", { class: "price big" }, money(product.price, product.currency),
          product.originalPrice ? h("s", { class: "muted" }, " ", money(product.originalPrice, product.currency)) : null),
        h("p", {}, stars(product.rating && product.rating.average), " ",
          `${(product.rating && product.rating.count) || 0} reviews`),
        h("p", {}, product.description),
        buy)),
    h("section", {}, h("h2", {}, "Details"),
      product.detailedDescription ? h("p", {}, product.detailedDescription) : null,
      specs.length ? h("dl", { class: "specs" }, specs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])) : null,
      product.careInstructions ? h("p", {}, h("strong", {}, "Care: "), product.careInstructions) : null,
      product.returnPolicy ? h("p", {}, h("strong", {}, "Returns: "), product.returnPolicy) : null),
    h("section", {}, h("h2", {}, "Size guide"), sizeGuide(product)),
    h("section", {}, h("h2", {}, "Reviews"),
      (product.reviews || []).length ? h("ul", { class: "reviews" }, product.reviews.map((r) =>
        h("li", {}, h("p", {}, stars(r.rating), " ", h("strong", {}, r.title)),
          h("p", {}, r.comment),
          h("p", { class: "muted" }, r.userName || "", r.verified ? " · verified buyer" : "",
            " · ", when(r.createdAt))))) : notice("No reviews yet."),
      api.signedIn() ? reviewForm : h("p", {}, h("a", { href: "#/login" }, "Log in"), " to review.")));
}
