// chainstore console: the few helpers every page shares. No inline scripts anywhere (the
// Content-Security-Policy forbids them): pages pass data through data-* attributes.
"use strict";

window.chainstore = (function () {
  const body = () => document.body;

  /** The session's CSRF token (also sent by htmx on every request via hx-headers). */
  function csrf() {
    return body().dataset.csrf || "";
  }

  function lang() {
    return body().dataset.lang || "zh-CN";
  }

  /** fetch() for our own API with the session cookie; unsafe methods carry the CSRF token. */
  function api(path, options) {
    const opts = Object.assign({ method: "GET", headers: {} }, options || {});
    opts.credentials = "same-origin";
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers);
    if (opts.method !== "GET" && opts.method !== "HEAD") {
      opts.headers["X-CSRF-Token"] = csrf();
    }
    if (opts.json !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    return fetch(path, opts);
  }

  /** ¥ with two decimals, from fen. */
  function money(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    const yuan = Math.floor(abs / 100).toLocaleString("en-US");
    return sign + "¥" + yuan + "." + String(abs % 100).padStart(2, "0");
  }

  /** An RFC 3339 moment in Asia/Shanghai time, "2026-12-04 16:05" (as the server writes it). */
  function time(iso) {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(iso));
    const get = (type) => (parts.find((p) => p.type === type) || {}).value;
    return get("year") + "-" + get("month") + "-" + get("day") + " " + get("hour") + ":" + get("minute");
  }

  /**
   * Follow the live feed (GET /v1/events/stream, the session cookie authenticates it).
   * types: e.g. "order.*,shipment.stalled"; onEvent(data, type) gets each message's JSON.
   * The browser reconnects on its own with Last-Event-ID; "reset" means "reload the page".
   * Returns the EventSource (closed when the page goes away).
   */
  function feed(types, onEvent, params) {
    const query = new URLSearchParams(Object.assign({ lang: lang() }, params || {}));
    if (types) query.set("types", types);
    const source = new EventSource("/v1/events/stream?" + query.toString());
    const listen = (type) => source.addEventListener(type, (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch (_) { return; }
      onEvent(data, type);
    });
    const known = [
      "order.created", "order.paid", "order.confirmed", "order.address_changed", "order.shipped",
      "order.completed", "order.cancelled", "shipment.scan", "shipment.stalled",
      "shipment.unstalled", "shipment.exception", "carrier.push_gap", "stock.low",
      "stock.low_cleared",
    ];
    known.forEach(listen);
    source.addEventListener("reset", () => window.location.reload());
    window.addEventListener("pagehide", () => source.close());
    return source;
  }

  /** Say plainly at the top of the page that a partial update failed (htmx shows nothing). */
  function failed() {
    const main = document.getElementById("main");
    if (!main || main.querySelector(".notice-failed")) return;
    const p = document.createElement("p");
    p.className = "notice notice-error notice-failed";
    p.setAttribute("role", "alert");
    p.textContent = body().dataset.errorText || "Error";
    main.prepend(p);
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  return { csrf, lang, api, money, time, feed };
})();
