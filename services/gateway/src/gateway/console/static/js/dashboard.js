// Head office's dashboard: draws the charts of each sales fragment htmx swaps in (their
// data is in data-chart attributes), and follows the live feed: new events are prepended to
// the list, and the cards and panels they concern are refreshed.
"use strict";

(function () {
  // Loaded async from <head>: ask for the charts' data at once (the range is in a <meta>),
  // then wait for the page (and htmx, console.js) before touching anything else.
  const meta = document.querySelector('meta[name="dashboard-sales"]');
  const sales = meta
    ? fetch(meta.content, { credentials: "same-origin", headers: { "HX-Request": "true" } })
    : null;
  // htmx and console.js are deferred: they have run by DOMContentLoaded, and maybe not yet
  // when this runs (even with readyState "interactive"). Start after that event's other
  // listeners: htmx registers its own handlers from one of them (htmx.on waits for it).
  if (window.htmx && window.chainstore) {
    start(sales);
  } else {
    document.addEventListener("DOMContentLoaded", () => setTimeout(() => start(sales), 0));
  }

  function start(sales) {
    const cs = window.chainstore;
    const root = document.querySelector(".dashboard");
    if (!root || !window.htmx) return;
    // ECharts loads async (see index.html): charts wait for it, the data fetch does not.
    const echartsReady = new Promise((resolve) => {
      if (window.echarts) return resolve();
      document.getElementById("echarts-js").addEventListener("load", () => resolve());
    });
    const zh = cs.lang() !== "en";
    const ACCENT = "#0b5f5a";
    const charts = new Set();

    /** Fen as a short axis label: ¥1.2万 / ¥3.4亿 in Chinese, ¥12k / ¥3.4M in English. */
    function short(fen) {
      const yuan = fen / 100;
      const steps = zh ? [[1e8, "亿"], [1e4, "万"]] : [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
      for (const [size, unit] of steps) {
        if (Math.abs(yuan) >= size) return "¥" + (yuan / size).toFixed(1).replace(/\.0$/, "") + unit;
      }
      return "¥" + Math.round(yuan);
    }

    const moneyAxis = { type: "value", axisLabel: { formatter: short } };
    const tooltip = { trigger: "axis", valueFormatter: (v) => cs.money(Math.round(v || 0)) };
    const grid = { left: 8, right: 16, top: 24, bottom: 8, containLabel: true };

    function options(spec) {
      const name = root.dataset.moneyLabel;
      if (spec.kind === "line") {
        return {
          grid, tooltip,
          // Days as MM-DD on the axis (the tooltip keeps the whole date).
          xAxis: { type: "category", data: spec.labels, boundaryGap: false, axisLabel: { formatter: (d) => d.slice(5) } },
          yAxis: moneyAxis,
          series: [{
            type: "line", name, data: spec.values, symbolSize: 6,
            itemStyle: { color: ACCENT }, areaStyle: { color: "rgba(11, 95, 90, 0.12)" },
          }],
        };
      }
      if (spec.kind === "hbar") {
        return {
          grid, tooltip: Object.assign({}, tooltip, { axisPointer: { type: "shadow" } }),
          xAxis: moneyAxis,
          yAxis: { type: "category", data: spec.labels, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
          series: [{ type: "bar", name, data: spec.values, itemStyle: { color: ACCENT }, barMaxWidth: 18 }],
        };
      }
      if (spec.kind === "bar") {
        return {
          grid, tooltip: Object.assign({}, tooltip, { axisPointer: { type: "shadow" } }),
          xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 35 : 0 } },
          yAxis: moneyAxis,
          series: [{ type: "bar", name, data: spec.values, itemStyle: { color: ACCENT }, barMaxWidth: 36 }],
        };
      }
      return null;  // the heat map is a server-rendered table
    }

    function draw(scope) {
      for (const chart of charts) {
        if (!chart.getDom().isConnected) { chart.dispose(); charts.delete(chart); }
      }
      scope.querySelectorAll("[data-chart]").forEach((el) => {
        if (window.echarts.getInstanceByDom(el)) return;
        let spec;
        try { spec = JSON.parse(el.dataset.chart); } catch (_) { return; }
        // As tall as its rows need: one bar per store, one band per region.
        if (spec.kind === "hbar") el.style.height = Math.max(160, spec.labels.length * 26 + 60) + "px";
        const chart = window.echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(Object.assign({ animation: false }, options(spec)));
        charts.add(chart);
        el.dataset.drawn = "true";
      });
    }

    window.htmx.onLoad((scope) => { echartsReady.then(() => draw(scope)); });

    /** The first sales fragment, fetched early: swapped in like htmx would (an expired
     * session answers HX-Redirect, as for any htmx request). */
    function showSales(response) {
      const away = response.headers.get("HX-Redirect");
      if (away) { window.location.assign(away); return; }
      if (!response.ok) throw new Error(String(response.status));
      return response.text().then((html) => {
        window.htmx.swap("#sales", html, { swapStyle: "outerHTML" });
        // Drawn here too: htmx:load of this swap may come before htmx.onLoad is listening.
        echartsReady.then(() => draw(document.getElementById("sales") || document));
      });
    }
    if (sales) {
      sales.then(showSales).catch(() => {
        const box = document.getElementById("sales");
        const p = document.createElement("p");
        p.className = "notice notice-error";
        p.setAttribute("role", "alert");
        p.textContent = document.body.dataset.errorText || "Error";
        if (box) box.replaceChildren(p);
      });
    }
    let resizing = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => charts.forEach((c) => c.resize()), 150);
    });

    // --- the live feed -------------------------------------------------------------------
    const list = document.getElementById("live-feed");
    const gaps = document.getElementById("push-gaps");
    const max = Number(list.dataset.max || 60);
    const timers = {};

    /** Ask htmx to reload a panel (its hx-trigger includes "refresh"), at most every `ms`. */
    function refreshSoon(selector, ms) {
      if (timers[selector]) return;
      timers[selector] = setTimeout(() => {
        timers[selector] = null;
        const el = document.querySelector(selector);
        if (el) window.htmx.trigger(el, "refresh");
      }, ms);
    }

    function item(data, type) {
      const li = document.createElement("li");
      li.className = "event event-" + type.split(".")[0];
      li.dataset.type = type;
      const when = document.createElement("time");
      when.dateTime = data.at;
      when.textContent = cs.time(data.at).slice(11);
      const text = data.order_no ? document.createElement("a") : document.createElement("span");
      text.textContent = data.summary || type;
      if (data.order_no) text.href = list.dataset.orderLink + encodeURIComponent(data.order_no);
      li.append(when, text);
      return li;
    }

    function gapOf(carrier) {
      return Array.from(gaps.querySelectorAll("li[data-carrier]"))
        .find((li) => li.dataset.carrier === carrier);
    }

    function prepend(target, li) {
      const none = target.querySelector(".none");
      if (none) none.remove();
      target.prepend(li);
      while (target.children.length > max) target.lastElementChild.remove();
    }

    const source = cs.feed("", (data, type) => {
      prepend(list, item(data, type));
      if (type === "order.created" || type === "order.paid" || type === "order.cancelled") {
        refreshSoon("#today", 1500);
      } else if (type.startsWith("stock.")) {
        refreshSoon("#stock-board", 3000);
      } else if (type === "shipment.stalled" || type === "shipment.unstalled") {
        refreshSoon("#parcels-panel", 3000);
      } else if (type === "carrier.push_gap") {
        // One line per carrier: the live one replaces what the first paint showed.
        const li = item(data, type);
        li.classList.add("gap");
        li.dataset.carrier = data.carrier || "";
        gapOf(data.carrier)?.remove();
        prepend(gaps, li);
      } else if (type === "carrier.push_resumed") {
        gapOf(data.carrier)?.remove();
        if (!gaps.children.length) {
          const none = document.createElement("li");
          none.className = "none muted";
          none.textContent = gaps.dataset.noneText || "";
          gaps.append(none);
        }
      }
    });
    source.addEventListener("open", () => { list.dataset.live = "open"; });
    source.addEventListener("error", () => { list.dataset.live = "closed"; });
  }
})();
