// Sign-up, login and the profile (details, preferences, addresses).
import * as api from "./api.js";
import { h, clear, field, act, formData, notice } from "./dom.js";
import { go, flash } from "./app.js";

function nextPath(query) {
  const next = query.get("next") || "/";
  return next.startsWith("/") ? next : "/";
}

export async function loginView(page, { query }) {
  const out = h("div");
  const form = h("form", { class: "narrow", onsubmit: (e) => {
    e.preventDefault();
    const data = formData(form);
    act(out, async () => {
      const user = await api.login(data.email || "", data.password || "");
      flash(`Welcome back, ${user.firstName}.`);
      go(nextPath(query));
    }, form);
  } },
  field("Email", { name: "email", type: "email", autocomplete: "email", required: true }),
  field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
  h("button", { type: "submit" }, "Log in"), out,
  h("p", {}, "New here? ", h("a", { href: "#/signup" + (query.get("next") ? "?next=" + encodeURIComponent(query.get("next")) : "") }, "Create an account")));
  clear(page, h("h1", {}, "Log in"), form);
}

export async function signupView(page, { query }) {
  const out = h("div");
  const form = h("form", { class: "narrow", onsubmit: (e) => {
    e.preventDefault();
    const data = formData(form);
    act(out, async () => {
      const user = await api.register({ email: data.email || "", password: data.password || "",
        firstName: data.firstName || "", lastName: data.lastName || "" });
      flash(`Welcome, ${user.firstName}! A verification email is on its way.`);
      go(query.get("next") ? nextPath(query) : "/studio");
    }, form);
  } },
  field("First name", { name: "firstName", autocomplete: "given-name", required: true, maxlength: 50 }),
  field("Last name", { name: "lastName", autocomplete: "family-name", required: true, maxlength: 50 }),
  field("Email", { name: "email", type: "email", autocomplete: "email", required: true }),
  field("Password", { name: "password", type: "password", autocomplete: "new-password", required: true,
    "aria-describedby": "password-rules" }),
  h("p", { id: "password-rules", class: "muted" },
    "At least 8 characters with an upper- and a lower-case letter, a digit and one of @$!%*?&."),
  h("button", { type: "submit" }, "Create account"), out,
  h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in")));
  clear(page, h("h1", {}, "Create your account"), form);
}

function addressForm(address, onSaved) {
  const out = h("div");
  const a = address || {};
  const form = h("form", { class: "address-form", onsubmit: (e) => {
    e.preventDefault();
    const data = formData(form);
    data.isDefault = form.querySelector("[name=isDefault]").checked;
    act(out, async () => {
      if (a.id) await api.patch(`/v1/users/me/addresses/${a.id}`, data);
      else await api.post("/v1/users/me/addresses", data);
      onSaved();
    }, form);
  } },
  h("div", { class: "cols" },
    field("First name", { name: "firstName", value: a.firstName, required: true, autocomplete: "given-name" }),
    field("Last name", { name: "lastName", value: a.lastName, required: true, autocomplete: "family-name" }),
    field("Street", { name: "street", value: a.street, required: true, autocomplete: "address-line1" }),
    field("Apartment", { name: "apartment", value: a.apartment, autocomplete: "address-line2" }),
    field("City", { name: "city", value: a.city, required: true, autocomplete: "address-level2" }),
    field("State / region", { name: "state", value: a.state, autocomplete: "address-level1" }),
    field("ZIP / postal code", { name: "zipCode", value: a.zipCode, required: true, autocomplete: "postal-code" }),
    field("Country (2 letters)", { name: "country", value: a.country || "US", required: true,
      maxlength: 2, autocomplete: "country" }),
    field("Phone", { name: "phone", value: a.phone, type: "tel", autocomplete: "tel" })),
  h("label", {}, h("input", { type: "checkbox", name: "isDefault", checked: !!a.isDefault }),
    " Default address"),
  h("div", { class: "actions" }, h("button", { type: "submit" }, a.id ? "Save address" : "Add address")),
  out);
  return form;
}

export async function addressBook(container, onChange = () => {}) {
  const list = (await api.get("/v1/users/me/addresses")).data;
  const out = h("div");
  const reload = () => { addressBook(container, onChange); onChange(); };
  clear(container,
    list.length ? h("ul", { class: "addresses" }, list.map((a) => h("li", {},
      h("p", {}, h("strong", {}, `${a.firstName} ${a.lastName}`), a.isDefault ? h("span", { class: "badge" }, "Default") : null),
      h("p", {}, [a.street, a.apartment, a.city, a.state, a.zipCode, a.country].filter(Boolean).join(", ")),
      h("details", {}, h("summary", {}, "Edit"), addressForm(a, reload)),
      h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
        await api.del(`/v1/users/me/addresses/${a.id}`); reload();
      }) }, "Remove")))) : notice("No addresses yet."),
    out,
    h("details", { open: !list.length }, h("summary", {}, "Add an address"), addressForm(null, reload)));
  return list;
}

export async function profileView(page, { stale }) {
  const me = (await api.get("/v1/users/me")).data;
  if (stale()) return;
  const out = h("div");
  const prefs = me.preferences || {};
  const n = prefs.notifications || {}, p = prefs.privacy || {}, u = prefs.units || {};
  const check = (name, on, text) => h("label", {}, h("input", { type: "checkbox", name, checked: !!on }), " " + text);
  const form = h("form", { onsubmit: (e) => {
    e.preventDefault();
    const data = formData(form);
    const box = (name) => form.querySelector(`[name="${name}"]`).checked;
    const body = { firstName: data.firstName, lastName: data.lastName,
      preferences: {
        notifications: { email: box("n.email"), push: box("n.push"), marketing: box("n.marketing") },
        privacy: { profileVisibility: data["p.visibility"], dataSharing: box("p.sharing") },
        units: { height: data["u.height"], weight: data["u.weight"] } } };
    for (const key of ["dateOfBirth", "gender", "phoneNumber"]) if (data[key]) body[key] = data[key];
    act(out, async () => {
      await api.patch("/v1/users/me", body);
      clear(out, notice("Profile saved."));
    }, form);
  } },
  h("div", { class: "cols" },
    field("First name", { name: "firstName", value: me.firstName, required: true }),
    field("Last name", { name: "lastName", value: me.lastName, required: true }),
    field("Date of birth", { name: "dateOfBirth", type: "date", value: me.dateOfBirth }),
    field("Gender", { name: "gender", value: me.gender || "" }, "select",
      [["", "—"], ["female", "Female"], ["male", "Male"], ["non_binary", "Non-binary"],
        ["prefer_not_to_say", "Prefer not to say"]]),
    field("Phone", { name: "phoneNumber", type: "tel", value: me.phoneNumber })),
  h("fieldset", {}, h("legend", {}, "Notifications"),
    check("n.email", n.email, "Email"), check("n.push", n.push, "Push"),
    check("n.marketing", n.marketing, "Marketing")),
  h("fieldset", {}, h("legend", {}, "Privacy"),
    field("Profile visibility", { name: "p.visibility", value: p.profileVisibility || "private" }, "select",
      [["private", "Private"], ["friends", "Friends"], ["public", "Public"]]),
    check("p.sharing", p.dataSharing, "Share data for analytics")),
  h("fieldset", {}, h("legend", {}, "Units"),
    field("Height", { name: "u.height", value: u.height || "cm" }, "select", [["cm", "cm"], ["in", "in"]]),
    field("Weight", { name: "u.weight", value: u.weight || "kg" }, "select", [["kg", "kg"], ["lbs", "lbs"]])),
  h("button", { type: "submit" }, "Save profile"), out);

  const stats = me.stats || {};
  const addresses = h("div");
  clear(page, h("h1", {}, "Your profile"),
    h("p", {}, me.email, me.emailVerified ? " · verified" : " · not verified yet"),
    h("ul", { class: "stats" },
      h("li", {}, h("strong", {}, stats.avatarScans ?? 0), " avatar scans"),
      h("li", {}, h("strong", {}, stats.tryOnsGenerated ?? 0), " try-ons"),
      h("li", {}, h("strong", {}, stats.ordersPlaced ?? 0), " orders"),
      h("li", {}, h("strong", {}, (stats.totalSpent ?? 0).toFixed(2)), " spent")),
    h("section", {}, h("h2", {}, "Details and preferences"), form),
    h("section", {}, h("h2", {}, "Addresses"), addresses));
  await addressBook(addresses);
}
