// The try-on studio: avatars (from measurements or photos), the 3-D view, try-on with live
// progress from the server-sent events, the result with its fit report, and the closet.
import * as api from "./api.js";
import { h, clear, field, act, formData, notice, errorBox, when, money, productPicture } from "./dom.js";
import { go, flash } from "./app.js";
import { watchTilt, describePitch, MAX_PITCH_DEG } from "./tilt.js";

const POSES = ["standing_neutral", "standing_relaxed", "hands_on_hips", "walking", "t_pose"];
const LIGHTS = ["soft_daylight", "studio_bright", "dramatic", "warm_evening", "cool_overcast"];
const PHOTO_POSES = [["front", "Front"], ["side_left", "Left side"], ["side_right", "Right side"],
  ["back", "Back"], ["custom", "Other"]];
const label = (s) => s.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

let viewerLoaded = null;
function loadViewer() {
  // The vendored <model-viewer> (three.js inside), loaded only when a 3-D view is shown.
  viewerLoaded = viewerLoaded || import("/web/vendor/model-viewer/model-viewer.min.js");
  return viewerLoaded;
}

function viewer(avatar) {
  const box = h("div", { class: "viewer" });
  if (!avatar.model || !avatar.model.url) return notice("This avatar has no 3-D model yet.");
  loadViewer().then(() => {
    box.append(h("model-viewer", { src: avatar.model.url, alt: `3-D model of ${avatar.name || "your avatar"}`,
      "camera-controls": true, "touch-action": "pan-y", "shadow-intensity": "1", exposure: "1" }));
  }).catch((err) => box.append(errorBox(err)));
  return h("figure", {}, box,
    h("figcaption", { class: "muted" },
      `${avatar.model.polycount ?? "?"} polygons · ${avatar.model.size ?? ""} · drag to turn, scroll to zoom`));
}

function progressBar(labelText) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": labelText });
  const stage = h("span", { class: "stage" }, "queued");
  return { el: h("div", { class: "progress", role: "status", "aria-live": "polite" }, bar, " ", stage),
    set(pct, text) { bar.value = pct; stage.textContent = `${text} · ${pct}%`; } };
}

// What the scan found in a photo: its overlay opens with the owner's token only.
function overlay(p) {
  if (!p.overlayUrl) return null;
  const img = h("img", { class: "overlay", alt: `What was found in photo ${Number(p.index) + 1}` });
  api.ownFile(p.overlayUrl).then((src) => { img.src = src; }).catch(() => img.remove());
  return img;
}

// A failed scan: its reason, and each photo's verdict with what was found in it.
function scanFailure(error, photos = []) {
  if (!photos.length) {  // a scan from before photo reports: the reasons in the message only
    for (const [key, reason] of Object.entries((error.details || {}).reasons || {})) {
      const [index, pose] = key.split(":");
      photos.push({ index: Number(index), pose, status: "refused", code: reason });
    }
  }
  return h("div", { class: "error", role: "alert" },
    h("p", {}, h("strong", {}, error.message || "The scan failed"), error.code ? ` (${error.code})` : ""),
    photos.length ? h("ul", { class: "refused" }, photos.map((p) => h("li", {},
      h("p", {}, `Photo ${Number(p.index) + 1}${p.pose ? " (" + p.pose + ")" : ""}: `,
        h("strong", {}, p.status === "accepted" ? "usable" : (p.message || p.code || "refused"))),
      overlay(p)))) : null);
}

// Polls a scan until it ends; calls back with the avatar id.
async function followScan(scanId, status, onDone) {
  const progress = progressBar("Avatar progress");
  const log = h("ol", { class: "messages" });
  clear(status, progress.el, log);
  for (;;) {
    let scan;
    try { scan = (await api.get(`/v1/avatars/scans/${scanId}`)).data; } catch (err) {
      status.append(errorBox(err)); return;
    }
    progress.set(scan.progress || 0, label(scan.stage || scan.status));
    clear(log, (scan.messages || []).map((m) => h("li", {}, m)));
    if (scan.status === "completed") { onDone(scan.avatarId); return; }
    if (scan.status === "failed") {
      status.append(scanFailure(scan.error || {}, scan.photos || [])); return;
    }
    if (!document.body.contains(status)) return;
    await wait(1500);
  }
}

function measurementForm(status, onDone) {
  const out = h("div");
  const num = (label_, name, min, max, required = false) => field(label_, { name, type: "number",
    min, max, step: "0.1", required, inputmode: "decimal" });
  const form = h("form", { id: "measurements-form", onsubmit: (e) => {
    e.preventDefault();
    const d = formData(form);
    const measurements = {};
    for (const k of ["chest", "waist", "hips", "shoulderWidth", "armLength", "legLength"]) {
      if (d[k]) measurements[k] = Number(d[k]);
    }
    const body = { scanType: "body_measurement", name: d.name || "My avatar",
      userPreferences: { height: Math.round(Number(d.height)), weight: Number(d.weight) } };
    if (d.bodyType) body.userPreferences.bodyType = d.bodyType;
    if (Object.keys(measurements).length) body.measurements = measurements;
    act(out, async () => {
      const scan = (await api.post("/v1/avatars/scans", body)).data;
      await followScan(scan.scanId, status, onDone);
    }, form);
  } },
  h("div", { class: "cols" },
    field("Avatar name", { name: "name", value: "My avatar", maxlength: 100 }),
    field("Height (cm)", { name: "height", type: "number", min: 100, max: 250, step: 1, required: true, inputmode: "numeric" }),
    num("Weight (kg)", "weight", 30, 300, true),
    field("Body type", { name: "bodyType" }, "select",
      [["", "—"], ["slim", "Slim"], ["athletic", "Athletic"], ["curvy", "Curvy"], ["plus_size", "Plus size"]])),
  h("details", {}, h("summary", {}, "More measurements (optional, cm)"),
    h("div", { class: "cols" }, num("Chest", "chest", 40, 200), num("Waist", "waist", 40, 200),
      num("Hips", "hips", 40, 200), num("Shoulder width", "shoulderWidth", 20, 80),
      num("Arm length", "armLength", 30, 100), num("Leg length", "legLength", 40, 130))),
  h("button", { type: "submit", id: "build-avatar" }, "Build my avatar"), out);
  return form;
}

// The phone's camera in the page: each photo taken here carries the phone's tilt at that
// moment (its motion sensor), which the scan cannot see in front of a plain wall. A timer
// lets a person alone prop the phone and step back.
function cameraPanel(addPhoto) {
  const video = h("video", { autoplay: true, playsinline: true, muted: true, class: "camera" });
  const tiltText = h("span", { id: "camera-tilt", class: "muted" }, "tilt: waiting for the sensor");
  const timer = h("select", { id: "camera-timer", "aria-label": "Timer" },
    [["10", "Timer 10 s"], ["5", "Timer 5 s"], ["0", "No timer"]].map(([v, t]) => h("option", { value: v }, t)));
  const count = h("span", { class: "countdown", role: "status", "aria-live": "polite" });
  const out = h("div");
  let stream = null; let tilt = null; let watch = null; let taken = 0;
  const stop = () => {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (tilt) tilt.stop();
    clearInterval(watch);
    stream = null; tilt = null; watch = null; panel.hidden = true; open.hidden = false;
  };
  const take = () => act(out, async () => {
    for (let s = Number(timer.value); s > 0; s -= 1) { count.textContent = `${s}…`; await wait(1000); }
    count.textContent = "";
    if (!stream || !video.videoWidth) throw new Error("The camera is not running.");
    const pitch = tilt ? tilt.current() : null;  // the tilt at the moment of the photo
    const canvas = h("canvas", { width: video.videoWidth, height: video.videoHeight });
    canvas.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
    if (!blob) throw new Error("The photo could not be taken.");
    taken += 1;
    addPhoto(new File([blob], `camera-${taken}.jpg`, { type: "image/jpeg" }), pitch);
  });
  const panel = h("div", { class: "camera-panel", hidden: true }, video,
    h("p", {}, "Phone tilt: ", tiltText, " — hold it upright, lens at about waist height."),
    h("div", { class: "actions" }, timer,
      h("button", { type: "button", id: "camera-take", onclick: take }, "Take photo"),
      h("button", { type: "button", class: "secondary", onclick: stop }, "Close camera"), count));
  const open = h("button", { type: "button", id: "camera-open", class: "secondary", onclick: () => act(out, async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("This browser cannot use a camera here; choose photos instead.");
    }
    tilt = await watchTilt((p) => { tiltText.textContent = describePitch(p); });
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: false,
        video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1920 } } });
    } catch (err) { stop(); throw err; }  // refused or no camera: the tilt listener goes too
    video.srcObject = stream;
    panel.hidden = false; open.hidden = true;
    // the camera goes off with the page (another tab of the studio, another view)
    watch = setInterval(() => { if (!box.isConnected) stop(); }, 1000);
  }) }, "Use the camera here");
  const box = h("div", { class: "camera-box" }, open, panel, out);
  return box;
}

function photoForm(status, onDone) {
  const out = h("div");
  const list = h("ol", { class: "photos" });
  const input = h("input", { type: "file", id: "photos", name: "photos", accept: "image/jpeg,image/png,image/webp",
    multiple: true, capture: "environment" });
  const rows = [];
  const addPhoto = (file, pitch = null) => {
    if (rows.length >= 10) return;
    const pose = PHOTO_POSES[Math.min(rows.length, 3)][0];
    const select = h("select", { "aria-label": `Pose of ${file.name}` },
      PHOTO_POSES.map(([v, t]) => h("option", { value: v, selected: v === pose }, t)));
    const state = h("span", { class: "muted" }, "not uploaded");
    const preview = h("img", { class: "photo", alt: file.name, src: URL.createObjectURL(file) });
    // a tilt beyond what the API takes is not sent: the scan estimates it
    const sent = pitch !== null && Math.abs(pitch) <= MAX_PITCH_DEG ? pitch : null;
    const row = { file, select, state, upload: null, pitch: sent };
    row.el = h("li", {}, preview, h("span", {}, file.name), select,
      pitch === null ? null : h("span", { class: "tilt muted" },
        sent === null ? `tilt ${describePitch(pitch)}: too far, not sent` : `tilt ${describePitch(sent)}`),
      state,
      h("button", { type: "button", class: "link", onclick: () => {
        rows.splice(rows.indexOf(row), 1); row.el.remove();
      } }, "Remove"));
    rows.push(row);
    list.append(row.el);
  };
  input.addEventListener("change", () => {
    for (const file of input.files) addPhoto(file);
    input.value = "";
  });
  const form = h("form", { onsubmit: (e) => {
    e.preventDefault();
    act(out, async () => {
      if (rows.length < 3 || rows.length > 10) throw new Error("Choose 3 to 10 photos.");
      let refused = 0;
      for (const row of rows) {
        if (row.upload) continue;
        const data = new FormData();
        data.append("purpose", "scan_image");
        data.append("file", row.file);
        try {
          row.upload = (await api.request("POST", "/v1/uploads", { form: data })).data;
          row.state.className = "ok"; row.state.textContent = "uploaded";
        } catch (err) {
          refused += 1;
          row.state.className = "error"; row.state.textContent = "refused: " + (err.fullMessage || err.message);
        }
      }
      if (refused) throw new Error(`${refused} photo(s) were refused; remove or replace them.`);
      const d = formData(form);
      // the stated height fixes the scan's scale; a weight, when known, its volume
      const userPreferences = { height: Math.round(Number(d.height)) };
      if (d.weight) userPreferences.weight = Number(d.weight);
      const scan = (await api.post("/v1/avatars/scans", { scanType: "photo_based",
        name: d.name || "Photo avatar", userPreferences,
        images: rows.map((r) => ({ url: r.upload.url, pose: r.select.value,
          ...(r.pitch === null ? {} : { cameraPitchDeg: Math.round(r.pitch * 10) / 10 }) })) })).data;
      await followScan(scan.scanId, status, onDone);
    }, form);
  } },
  h("div", { class: "advice" }, h("h4", {}, "How to take the photos"),
    h("ul", {},
      h("li", {}, "3 to 10 photos: front, left side, right side and back at least."),
      h("li", {}, "Whole body in the frame, head to feet, camera at waist height about 2–3 m away."),
      h("li", {}, "Keep the phone upright (vertical, not tipped back or forward): its tilt is what the photos show least. "
        + "Photos taken with the camera here carry the phone's tilt from its motion sensor."),
      h("li", {}, "Fitted clothes, arms slightly away from the body, feet hip-width apart."),
      h("li", {}, "Even light, no other people. A room helps: door frames and wall corners on either side of you show how the phone was tilted."),
      h("li", {}, "Sharp photos (hold still); JPEG, PNG or WebP up to 10 MB each."))),
  h("div", { class: "cols" },
    field("Avatar name", { name: "name", value: "Photo avatar", maxlength: 100 }),
    field("Your height (cm)", { name: "height", type: "number", min: 100, max: 250, step: 1, required: true,
      inputmode: "numeric" }),
    field("Your weight (kg, optional: it helps)", { name: "weight", type: "number", min: 30, max: 300,
      step: "0.1", inputmode: "decimal" })),
  h("div", { class: "field" }, h("label", { for: "photos" }, "Photos (take or choose)"), input),
  cameraPanel(addPhoto),
  list, h("button", { type: "submit" }, "Upload and build"), out);
  return form;
}

function tryOnForm(avatars, products, query) {
  const out = h("div");
  const productSelect = h("select", { id: "tryon-product", name: "productId" },
    products.map((p) => h("option", { value: p.id, selected: p.id === query.get("product") }, `${p.name} (${p.brand})`)));
  const variantSelect = h("select", { id: "tryon-variant", name: "variantId" });
  const fillVariants = () => {
    const p = products.find((x) => x.id === productSelect.value);
    clear(variantSelect, ((p && p.variants) || []).map((v) => h("option", { value: v.id,
      selected: v.id === query.get("variant") }, `${v.size} · ${v.color}`)));
  };
  productSelect.addEventListener("change", fillVariants);
  fillVariants();
  const labelled = (text, control) => h("div", { class: "field" }, h("label", { for: control.id }, text), control);
  const opt = (values) => values.map((v) => [v, label(v)]);
  const form = h("form", { id: "tryon-form", onsubmit: (e) => {
    e.preventDefault();
    const d = formData(form);
    const output = { format: d.format, resolution: d.resolution, quality: d.quality, background: d.background };
    if (d.background === "custom") output.backgroundColor = d.backgroundColor.toUpperCase();
    const body = { avatarId: d.avatarId, productId: d.productId, variantId: d.variantId,
      pose: { type: "preset", presetName: d.pose },
      lighting: { type: d.lightingType, preset: d.lightingPreset, intensity: Number(d.intensity) },
      camera: { angle: d.angle, zoom: Number(d.zoom), perspective: d.perspective }, output };
    act(out, async () => {
      const render = (await api.post("/v1/tryon/renders", body)).data;
      go(`/studio/render/${render.renderId}`);
    }, form);
  } },
  h("div", { class: "cols" },
    field("Avatar", { name: "avatarId", id: "tryon-avatar" }, "select", avatars.map((a) => [a.id, a.name || a.id])),
    labelled("Product", productSelect), labelled("Size and colour", variantSelect),
    field("Pose", { name: "pose", value: "standing_neutral" }, "select", opt(POSES)),
    field("Lighting", { name: "lightingType", value: "studio" }, "select", opt(["studio", "natural", "custom"])),
    field("Light preset", { name: "lightingPreset", value: "soft_daylight" }, "select", opt(LIGHTS)),
    field("Light intensity (0–2)", { name: "intensity", type: "number", min: 0, max: 2, step: "0.1", value: 1 }),
    field("Camera angle", { name: "angle", value: "front" }, "select", opt(["front", "three_quarter", "side", "back"])),
    field("Zoom (0.5–3)", { name: "zoom", type: "number", min: 0.5, max: 3, step: "0.1", value: 1 }),
    field("Perspective", { name: "perspective", value: "realistic" }, "select", opt(["realistic", "high_fashion", "editorial"])),
    field("Format", { name: "format", value: "png" }, "select", [["png", "PNG"], ["jpg", "JPEG"], ["webp", "WebP"], ["gif", "GIF turntable"]]),
    field("Resolution", { name: "resolution", value: "720p" }, "select", opt(["720p", "1080p", "4k"])),
    field("Quality", { name: "quality", value: "medium" }, "select", opt(["low", "medium", "high"])),
    field("Background", { name: "background", value: "white" }, "select", opt(["white", "transparent", "black", "custom"])),
    field("Custom background", { name: "backgroundColor", type: "color", value: "#e8eef5" })),
  h("button", { type: "submit", id: "start-tryon" }, "Try it on"), out);
  return form;
}

export async function studioView(page, { query, stale }) {
  const [avatarsBody, productsBody, rendersBody] = await Promise.all([
    api.get("/v1/avatars", { limit: 100 }),
    api.get("/v1/products", { tryonAvailable: "true", limit: 100 }),
    api.get("/v1/tryon/renders", { limit: 10 }),
  ]);
  const productName = new Map(productsBody.data.map((p) => [p.id, p.name]));
  if (stale()) return;
  const avatars = avatarsBody.data.filter((a) => a.status !== "archived");
  const status = h("div", { id: "scan-status" });
  const reload = (avatarId) => {
    flash("Your avatar is ready.");
    go(`/studio?${new URLSearchParams({ ...Object.fromEntries(query), avatar: avatarId })}`);
  };
  const selected = avatars.find((a) => a.id === query.get("avatar")) || avatars[0];
  const out = h("div");
  const tabs = h("div", { class: "tabs" });
  const panel = h("div");
  const show = (which) => {
    for (const b of tabs.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.tab === which));
    clear(panel, which === "photos" ? photoForm(status, reload) : measurementForm(status, reload));
  };
  tabs.append(
    h("button", { type: "button", class: "secondary", dataset: { tab: "measure" }, onclick: () => show("measure") }, "From measurements"),
    h("button", { type: "button", class: "secondary", dataset: { tab: "photos" }, onclick: () => show("photos") }, "From photos"));
  show("measure");

  clear(page, h("h1", {}, "Try-on studio"),
    h("div", { class: "studio" },
      h("section", {}, h("h2", {}, "Your avatars"),
        avatars.length ? h("ul", { class: "avatars" }, avatars.map((a) => h("li", {},
          h("a", { href: `#/studio?avatar=${a.id}` + (query.get("product") ? `&product=${query.get("product")}&variant=${query.get("variant") || ""}` : ""),
            "aria-current": a === selected ? "true" : null },
          a.preview && a.preview.thumbnail ? h("img", { src: a.preview.thumbnail, alt: "", class: "avatar-thumb" }) : null,
          h("span", {}, a.name || a.id)),
          h("span", { class: "muted" }, `${a.measurements ? a.measurements.height + " cm" : ""} · ${a.status}`),
          h("button", { type: "button", class: "link", onclick: () => act(out, async () => {
            await api.del(`/v1/avatars/${a.id}`); go("/studio");
          }) }, "Archive")))) : notice("No avatar yet: build one below."),
        selected ? h("div", {}, h("h3", {}, `3-D view: ${selected.name || selected.id}`), viewer(selected)) : null,
        out),
      h("section", {}, h("h2", {}, "Build an avatar"), tabs, panel, status)),
    h("section", {}, h("h2", {}, "Try something on"),
      avatars.length ? tryOnForm(avatars, productsBody.data, query) : notice("Build an avatar first.")),
    h("section", {}, h("h2", {}, "Recent try-ons"),
      rendersBody.data.length ? h("ul", { class: "renders" }, rendersBody.data.map((r) => h("li", {},
        h("a", { href: `#/studio/render/${r.renderId}` }, productName.get(r.productId) || r.productId),
        " · ", h("span", { class: `status status-${r.status}` }, r.status),
        r.fit && r.fit.recommendedSize ? ` · size ${r.fit.recommendedSize}` : "",
        " · ", h("span", { class: "muted" }, when(r.createdAt))))) : notice("No try-ons yet.")));
  if (selected) {
    const pick = page.querySelector("#tryon-avatar");
    if (pick) pick.value = selected.id;
  }
}

function fitReport(fit, product) {
  if (!fit) return notice("No fit report for this render.");
  const regions = Object.entries(fit.report || {});
  return h("div", { class: "fit" },
    h("p", { class: "recommended" }, "Recommended size: ", h("strong", { id: "recommended-size" }, fit.recommendedSize || "—")),
    h("table", {}, h("caption", {}, "Fit per body region"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Region"), h("th", { scope: "col" }, "Fit"),
        h("th", { scope: "col" }, "Ease (cm)"))),
      h("tbody", {}, regions.map(([region, r]) => h("tr", {},
        h("th", { scope: "row" }, label(region)),
        h("td", { class: "fit-" + (r.fit || "") }, r.fit || "—"),
        h("td", {}, r.easeCm !== undefined ? r.easeCm.toFixed(1) : "—"))))),
    product ? h("p", { class: "muted" }, "Negative ease: the garment is smaller than the body there.") : null);
}

export async function renderView(page, { params, stale }) {
  const [renderId] = params;
  let render = (await api.get(`/v1/tryon/renders/${renderId}`)).data;
  if (stale()) return;
  const product = (await api.get(`/v1/products/${render.productId}`)).data;
  const progress = progressBar("Try-on progress");
  const result = h("div", { id: "render-result" });
  const out = h("div");
  const cancel = h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
    await api.del(`/v1/tryon/renders/${renderId}`);
  }) }, "Cancel render");
  clear(page, h("p", {}, h("a", { href: "#/studio" }, "← Studio")),
    h("h1", {}, `Try-on: ${product.name}`), progress.el, result, out);

  const show = (r) => {
    progress.set(r.progress || 0, label(r.stage || r.status));
    if (r.status === "completed") {
      const variant = (product.variants || []).find((v) => v.id === r.variantId) || {};
      const recommended = r.fit && (product.variants || []).find((v) => v.size === r.fit.recommendedSize &&
        v.color === variant.color && v.stock > 0);
      clear(result,
        h("div", { class: "result" },
          h("figure", {}, h("img", { src: r.resultUrl, id: "render-image", class: "render",
            alt: `${product.name} (${variant.size || ""} ${variant.color || ""}) on your avatar` }),
          h("figcaption", { class: "muted" }, `${variant.size || ""} · ${variant.color || ""} · `,
            h("a", { href: r.resultUrl, download: "" }, "download"))),
          h("div", {}, fitReport(r.fit, product),
            h("div", { class: "actions" },
              h("button", { type: "button", id: "add-render-to-cart", onclick: () => act(out, async () => {
                const target = recommended || variant;
                await api.post("/v1/cart/items", { productId: product.id, variantId: target.id, quantity: 1,
                  metadata: { tryonRenderId: renderId } });
                flash(`${product.name} (${target.size}) added to your cart.`);
                go("/cart");
              }) }, recommended && recommended.id !== variant.id ? `Add size ${recommended.size} to cart` : "Add to cart"),
              h("button", { type: "button", class: "secondary", onclick: () => act(out, async () => {
                await api.post("/v1/closet", { productId: product.id, variantId: r.variantId, renderId });
                clear(out, notice("Saved to your closet."));
              }) }, "Save to closet")))));
    } else if (r.status === "failed" || r.status === "cancelled") {
      clear(result, errorBox((r.error && r.error.message) || `The render was ${r.status}.`));
    } else {
      clear(result, r.status === "queued" ? cancel : null);
    }
  };
  show(render);
  if (["completed", "failed", "cancelled"].includes(render.status)) return;
  const abort = new AbortController();
  const stop = () => { if (!document.body.contains(result)) abort.abort(); };
  window.addEventListener("hashchange", stop, { once: true });
  const final = (r) => ["failed", "cancelled"].includes(r.status) || (r.status === "completed" && r.resultUrl);
  try {
    await api.events(`/v1/tryon/renders/${renderId}/events`, ({ data }) => {
      if (!data || typeof data !== "object") return;
      // A "result" that lags behind the "completed" status is not shown over it.
      if (data.resultUrl === undefined && data.status === "processing" && render.status !== "processing") return;
      render = { ...render, ...data };
      if (render.status === "completed" && !render.resultUrl) return;  // its links come next
      show(render);
    }, abort.signal);
  } catch (err) {
    if (err.name === "AbortError") return;
    out.append(errorBox(err));
  }
  // The stream has ended: read the render until its final state (and signed links) is there.
  for (let tries = 0; tries < 120 && !abort.signal.aborted && document.body.contains(result); tries++) {
    const latest = (await api.get(`/v1/tryon/renders/${renderId}`)).data;
    if (final(latest)) { show(latest); return; }
    await wait(1000);
  }
}

export async function closetView(page, { stale }) {
  const items = (await api.get("/v1/closet", { limit: 100 })).data;
  if (stale()) return;
  const out = h("div");
  clear(page, h("h1", {}, "Your closet"), out,
    items.length ? h("ul", { class: "grid" }, items.map((item) => h("li", { class: "card" },
      h("a", { href: `#/product/${item.product.id}`, class: "card-link" },
        productPicture({ name: item.product.name, images: item.product.image ? [item.product.image] : [] }),
        h("h2", {}, item.product.name)),
      h("p", {}, money(item.product.price, item.product.currency || "USD")),
      item.note ? h("p", {}, item.note) : null,
      h("p", { class: "muted" }, "Saved ", when(item.addedAt)),
      h("div", { class: "actions" },
        item.renderId ? h("a", { href: `#/studio/render/${item.renderId}`, class: "button secondary" }, "See try-on") : null,
        h("button", { type: "button", class: "link", onclick: () => act(out, async () => {
          await api.del(`/v1/closet/${item.id}`); go("/closet");
        }) }, "Remove"))))) : notice("Nothing saved yet. Save products from their page or after a try-on."));
}
