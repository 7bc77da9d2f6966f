// The storefront's shell: a hash router, the navigation and the session bootstrap.
import * as api from "./api.js";
import { h, clear, errorBox } from "./dom.js";
import { catalogView, productView } from "./shop.js";
import { loginView, signupView, profileView } from "./account.js";
import { studioView, renderView, closetView } from "./studio.js";
import { cartView, checkoutView, ordersView, orderView, payView } from "./checkout.js";
import { adminView, adminProductView, auditorView, analystView } from "./staff.js";

const routes = [
  [/^\/?$/, catalogView],
  [/^\/product\/([\w-]+)$/, productView],
  [/^\/login$/, loginView],
  [/^\/signup$/, signupView],
  [/^\/profile$/, profileView, true],
  [/^\/studio$/, studioView, true],
  [/^\/studio\/render\/([\w-]+)$/, renderView, true],
  [/^\/closet$/, closetView, true],
  [/^\/cart$/, cartView, true],
  [/^\/checkout$/, checkoutView, true],
  [/^\/pay\/([\w-]+)$/, payView, true],
  [/^\/orders$/, ordersView, true],
  [/^\/orders\/([\w-]+)$/, orderView, true],
  [/^\/admin$/, adminView, true],
  [/^\/admin\/product\/([\w-]+)$/, adminProductView, true],
  [/^\/auditor$/, auditorView, true],
  [/^\/analyst$/, analystView, true],
];

// "#/path?a=b" -> {path: "/path", query: URLSearchParams}
export function currentRoute() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

export function go(path) {
  if (location.hash === "#" + path) render();
  else location.hash = path;
}

export function flash(text) {
  const box = document.getElementById("flash");
  clear(box, h("p", { class: "notice", role: "status" }, text));
  setTimeout(() => { if (box.textContent === text) box.replaceChildren(); }, 6000);
}

function navigation() {
  const nav = document.getElementById("nav");
  const link = (href, text) => h("a", { href, "data-nav": href }, text);
  const items = [link("#/", "Shop"), link("#/studio", "Studio"), link("#/closet", "Closet"),
    link("#/cart", "Cart"), link("#/orders", "Orders")];
  if (api.signedIn()) {
    items.push(link("#/profile", "Profile"),
      h("details", { class: "staff" }, h("summary", {}, "Staff"),
        h("div", {}, link("#/admin", "Admin"), link("#/auditor", "Auditor"),
          link("#/analyst", "Analyst"))),
      h("button", { type: "button", class: "link", onclick: async () => {
        await api.logout(); go("/");
      } }, "Log out"));
  } else {
    items.push(link("#/login", "Log in"), link("#/signup", "Sign up"));
  }
  clear(nav, items);
  markCurrent();
}

function markCurrent() {
  const here = "#" + currentRoute().path;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.getAttribute("href") === here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

let generation = 0;

export async function render() {
  const main = document.getElementById("main");
  const { path, query } = currentRoute();
  const mine = ++generation;
  markCurrent();
  document.getElementById("nav").classList.remove("open");
  document.querySelector(".menu-toggle").setAttribute("aria-expanded", "false");
  for (const [pattern, view, needsSession] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    if (needsSession && !api.signedIn()) {
      clear(main, h("h1", {}, "Please sign in"),
        h("p", {}, "This page needs an account. ",
          h("a", { href: "#/login?next=" + encodeURIComponent(path) }, "Log in"), " or ",
          h("a", { href: "#/signup?next=" + encodeURIComponent(path) }, "sign up"), "."));
      return;
    }
    const page = h("div", { class: "page" }, h("p", { class: "loading" }, "Loading…"));
    clear(main, page);
    try {
      await view(page, { params: match.slice(1), query, stale: () => mine !== generation });
    } catch (err) {
      if (mine === generation) clear(page, errorBox(err));
    }
    if (mine === generation) {
      const heading = page.querySelector("h1");
      document.title = (heading ? heading.textContent + " · " : "") + "tryon";
      main.focus({ preventScroll: true });
    }
    return;
  }
  clear(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop")));
}

function start() {
  const toggle = document.querySelector(".menu-toggle");
  toggle.addEventListener("click", () => {
    const nav = document.getElementById("nav");
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  api.onSessionChange(navigation);
  window.addEventListener("hashchange", render);
  navigation();
  // A page load keeps the session through the httpOnly cookie, if there is one.
  api.refresh().finally(render);
}

start();
