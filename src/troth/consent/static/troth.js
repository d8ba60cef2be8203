/* troth consent banner. No dependencies, no eval, no inline styles. */
(function (C) {
"use strict";
var d = document, w = window, nav = navigator, NAME = "troth_consent", MONTH = 2629800000;
var make = d.createElement.bind(d), me = d.currentScript;
var base = C.api || (me ? new URL(me.src, location.href).origin : "");
var svc = {}, fps = {}, cats = C.cats.map(function (c) { fps[c.id] = c.fp; return c.id; });
C.svc.forEach(function (s) { svc[s.id] = s; });
var TYPES = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
  "functionality_storage", "personalization_storage", "security_storage"];
var signal = C.gpc && nav.globalPrivacyControl === true ? "gpc"
  : C.dnt && (nav.doNotTrack === "1" || w.doNotTrack === "1") ? "dnt" : "";
var st = read() || {c: {}, s: {}, f: {}};
var lang = pick(), T = C.t[lang], bar, dlg, opener;

// Google Consent Mode v2: defaults before any tag, then the stored choice.
w.dataLayer = w.dataLayer || [];
function gtag() { w.dataLayer.push(arguments); }
function modes(value) { var m = {}; TYPES.forEach(function (t) { m[t] = value; }); m.security_storage = "granted"; return m; }
var dflt = modes(C.rg["default"] || "denied");
dflt.wait_for_update = 500;
gtag("consent", "default", dflt);
Object.keys(C.rg).forEach(function (r) {
  if (r !== "default") { var m = modes(C.rg[r]); m.region = [r]; gtag("consent", "default", m); }
});
function update() {
  var m = modes("denied");
  Object.keys(C.gcm).forEach(function (c) { C.gcm[c].forEach(function (t) { m[t] = ok(c) ? "granted" : "denied"; }); });
  gtag("consent", "update", m);
}

function read() {
  var m = d.cookie.match(/(?:^|; )troth_consent=([^;]*)/);
  try { return m ? JSON.parse(decodeURIComponent(m[1])) : null; } catch (e) { return null; }
}
function pick() {
  var want = [d.documentElement.lang].concat(nav.languages || []);
  for (var i = 0; i < want.length; i++) {
    var l = (want[i] || "").toLowerCase();
    if (C.t[l]) return l;
    if (C.t[l.split("-")[0]]) return l.split("-")[0];
  }
  return Object.keys(C.t)[0];
}
function fresh() { return st.t && Date.now() - st.t < C.rp * MONTH; }
function valid(c) { return fresh() && st.f[c] === fps[c]; }
function pending() {
  return cats.filter(function (c) { return !valid(c) || st.c[c] == null; })
    .filter(function (c) { return !(signal && C.oo.indexOf(c) >= 0); });
}
function ok(k) {
  var s = svc[k], c = s ? s.cat : k;
  if (c === "necessary") return true;
  if (signal && C.oo.indexOf(c) >= 0) return false;
  if (!valid(c)) return false;
  var v = s && st.s[k] != null ? st.s[k] : st.c[c];
  return v === 1;
}

// Blocking: declared sources are held back until their service or category is allowed.
function match(src) {
  var url = new URL(src, location.href).href;
  for (var id in svc) {
    var p = svc[id].src;
    if (p && url.indexOf(new URL(p, location.href).href) === 0) return id;
  }
  return "";
}
function hold(el, k, src) {
  el.setAttribute("data-troth", k);
  el.setAttribute("data-src", src);
  if (el.tagName === "SCRIPT") el.type = "text/plain"; else el.removeAttribute("src");
}
var srcProp = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, "src");
d.createElement = function (tag) {
  var el = make.apply(d, arguments);
  if (String(tag).toLowerCase() === "script") {
    var set = el.setAttribute;
    Object.defineProperty(el, "src", {
      configurable: true,
      get: function () { return srcProp.get.call(el); },
      set: function (v) { var k = match(v); if (k && !ok(k)) hold(el, k, v); else srcProp.set.call(el, v); }
    });
    el.setAttribute = function (n, v) { if (String(n).toLowerCase() === "src") el.src = v; else set.call(el, n, v); };
  }
  return el;
};
new MutationObserver(function (list) {
  list.forEach(function (m) {
    m.addedNodes.forEach(function (n) {
      if (n.nodeType !== 1) return;
      var src = n.getAttribute("src");
      var k = n.getAttribute("data-troth") || (src && /^(SCRIPT|IFRAME|IMG)$/.test(n.tagName) ? match(src) : "");
      if (k && src && !ok(k)) hold(n, k, src);
      if (d.body) scan(n);
    });
  });
}).observe(d.documentElement, {childList: true, subtree: true});

function scan(root) {
  if (root.matches && root.matches("[data-troth]")) run(root);
  if (root.querySelectorAll) root.querySelectorAll("[data-troth]").forEach(run);
}
function run(el) {
  var k = el.getAttribute("data-troth");
  if (!ok(k)) { if (el.tagName === "IFRAME" && !el.src) placeholder(el, k); return; }
  if (el.tagName === "SCRIPT") {
    if (el.type !== "text/plain") return;
    var n = make("script");
    for (var i = 0; i < el.attributes.length; i++) n.setAttribute(el.attributes[i].name, el.attributes[i].value);
    n.type = el.getAttribute("data-type") || "text/javascript";
    n.nonce = el.nonce;
    n.async = false;
    if (el.hasAttribute("data-src")) srcProp.set.call(n, el.getAttribute("data-src")); else n.text = el.text;
    el.replaceWith(n);
  } else if (el.hasAttribute("data-src") && !el.getAttribute("src")) {
    el.setAttribute("src", el.getAttribute("data-src"));
    if (el.troth) { el.troth.remove(); el.troth = null; }
  }
}
function label(c) { return (T.categories[c] || [c])[0]; }
function placeholder(el, k) {
  if (el.troth) return;
  var s = svc[k], name = s ? T.services[k] : label(k);
  var p = make("div"), msg = make("p"), b = make("button");
  p.className = "troth-ph";
  p.lang = lang;
  p.setAttribute("role", "group");
  p.setAttribute("aria-label", name);
  msg.textContent = T.blocked.replace("{name}", name).replace("{category}", label(s ? s.cat : k));
  b.type = "button";
  b.textContent = T.load;
  b.setAttribute("aria-label", T.load + ": " + name);
  b.addEventListener("click", function () {
    var c = Object.assign({}, st.c), sv = Object.assign({}, st.s);
    if (s) sv[k] = 1; else c[k] = 1;
    save("custom", c, sv, s ? [] : [k]);
    el.focus();
  });
  p.append(msg, b);
  el.before(p);
  el.troth = p;
}

// Cookies and storage of refused categories are deleted (exact names and * patterns).
function wipe(c) {
  (C.ck[c] || []).forEach(function (p) {
    var re = new RegExp("^" + p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$");
    d.cookie.split("; ").forEach(function (kv) {
      var n = kv.split("=")[0], h = location.hostname.split(".");
      if (!re.test(n)) return;
      for (var i = 0; i < h.length; i++) d.cookie = n + "=; Max-Age=0; Path=/; Domain=." + h.slice(i).join(".");
      d.cookie = n + "=; Max-Age=0; Path=/";
    });
    [w.localStorage, w.sessionStorage].forEach(function (s) {
      Object.keys(s).forEach(function (key) { if (re.test(key)) s.removeItem(key); });
    });
  });
}

function save(action, c, s, decided) {
  var f = {}, v = {};
  cats.forEach(function (x) {
    if (decided.indexOf(x) >= 0) { f[x] = fps[x]; v[x] = c[x] ? 1 : 0; }
    else if (valid(x)) { f[x] = fps[x]; if (st.c[x] != null) v[x] = st.c[x]; }
  });
  Object.keys(s).forEach(function (k) { if (svc[k]) f[svc[k].cat] = fps[svc[k].cat]; });
  if (signal) C.oo.forEach(function (x) { v[x] = 0; });
  st = {id: st.id || newId(), t: Date.now(), c: v, s: s, f: f};
  d.cookie = NAME + "=" + encodeURIComponent(JSON.stringify(st)) + "; Max-Age=" + C.rp * MONTH / 1000 +
    "; Path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  apply();
  send(action);
  if (!pending().length) hide();
}
function apply() {
  cats.forEach(function (c) { if (!ok(c)) wipe(c); });
  update();
  scan(d);
  d.dispatchEvent(new CustomEvent("troth:consent", {detail: state()}));
}
function newId() {
  return Array.from(w.crypto.getRandomValues(new Uint8Array(16)), function (b) { return (b + 256).toString(16).slice(1); }).join("");
}
function state() {
  var r = {};
  cats.forEach(function (c) { r[c] = ok(c); });
  Object.keys(svc).forEach(function (k) { r[k] = ok(k); });
  return r;
}
function send(action) {
  var sv = {};
  Object.keys(st.s).forEach(function (k) { sv[k] = st.s[k] === 1; });
  var c = {};
  Object.keys(st.c).forEach(function (x) { c[x] = st.c[x] === 1; });
  return w.fetch(base + "/api/v1/consent", {
    method: "POST", credentials: "omit", keepalive: true,
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({consent_id: st.id, action: action, categories: c, services: sv, policy_version: C.v,
      language: lang, texts_hash: T.h, page_url: location.origin + location.pathname, signal: signal})
  }).catch(function () { return null; });
}

// The first layer and the preferences dialog.
function el(tag, cls, text, attrs) {
  var e = make(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  Object.keys(attrs || {}).forEach(function (a) { e.setAttribute(a, attrs[a]); });
  return e;
}
function button(text, fn, cls) {
  var b = el("button", cls || "troth-btn", text, {type: "button"});
  b.addEventListener("click", fn);
  return b;
}
function all(v) {
  var c = {}, which = dlg && dlg.open ? cats : pending();
  which.forEach(function (x) { c[x] = v; });
  save(v ? "accept_all" : "reject_all", c, {}, which);
}
function buttons() {
  var row = el("div", "troth-row");
  row.append(button(T.accept_all, function () { all(1); }), button(T.reject_all, function () { all(0); }));
  return row;
}
function note() { return signal ? el("p", "troth-note", T.gpc_honoured, {role: "status"}) : ""; }
function showBar() {
  bar = el("div", "troth troth-bar", "", {role: "dialog", "aria-labelledby": "troth-t", "aria-describedby": "troth-b", lang: lang, tabindex: "-1"});
  var row = buttons();
  row.append(button(T.customise, open));
  bar.append(el("h2", "troth-h", T.title, {id: "troth-t"}), el("p", "", T.body, {id: "troth-b"}), note(), row);
  d.body.append(bar);
  bar.focus();
}
function hide() {
  if (bar) { var had = bar.contains(d.activeElement); bar.remove(); bar = null; if (had) fab.focus(); }
  if (dlg && dlg.open) dlg.close();
}
function open() {
  opener = d.activeElement;
  if (dlg) dlg.remove();
  dlg = el("dialog", "troth troth-prefs", "", {"aria-labelledby": "troth-pt", lang: lang});
  dlg.append(el("h2", "troth-h", T.privacy_choices, {id: "troth-pt"}), note());
  cats.forEach(function (c) {
    var off = signal && C.oo.indexOf(c) >= 0, box = el("fieldset", "troth-cat"), head = el("label", "troth-sw");
    var cb = el("input", "", "", {type: "checkbox", "data-c": c});
    cb.checked = ok(c);
    cb.disabled = off;
    head.append(cb, " " + label(c));
    box.append(el("legend", "", label(c)), head, el("p", "troth-d", T.categories[c][1]));
    C.svc.forEach(function (s) {
      if (s.cat !== c) return;
      var l = el("label", "troth-svc"), sb = el("input", "", "", {type: "checkbox", "data-s": s.id});
      sb.checked = ok(s.id);
      sb.disabled = off;
      l.append(sb, " " + T.services[s.id]);
      box.append(l);
    });
    cb.addEventListener("change", function () {
      box.querySelectorAll("[data-s]").forEach(function (x) { x.checked = cb.checked; });
    });
    dlg.append(box);
  });
  var row = buttons();
  row.append(button(T.save, function () {
    var c = {}, s = {};
    dlg.querySelectorAll("[data-c]").forEach(function (x) { c[x.getAttribute("data-c")] = x.checked; });
    dlg.querySelectorAll("[data-s]").forEach(function (x) { s[x.getAttribute("data-s")] = x.checked ? 1 : 0; });
    save("custom", c, s, cats);
  }));
  dlg.append(row, button(T.withdraw, withdraw, "troth-link"), button(T.close, function () { dlg.close(); }, "troth-link"));
  dlg.addEventListener("close", function () { (opener && opener.isConnected ? opener : fab).focus(); });
  d.body.append(dlg);
  dlg.showModal();
}
function withdraw() { save("withdraw", {}, {}, cats); }
var fab;
function start() {
  fab = button(T.privacy_choices, open, "troth-fab");
  fab.setAttribute("aria-haspopup", "dialog");
  fab.lang = lang;
  d.body.append(fab);
  d.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-troth-open]")) { e.preventDefault(); open(); }
  });
  scan(d);
  if (signal && !st.t) save(signal, {}, {}, []);
  if (pending().length) showBar();
}
if (st.t || signal) update();
if (d.body) start(); else d.addEventListener("DOMContentLoaded", start);
w.troth = {open: open, allowed: ok, withdraw: withdraw, state: state};
})(TROTH_SETTINGS);
