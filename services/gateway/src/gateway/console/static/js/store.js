// Store pages: the live feed (the queue and the stock refresh themselves; new paid orders,
// low stock and parcels in trouble are announced at the top), and the till's lines.
"use strict";

(function () {
  const cs = window.chainstore;

  // ---- Live alerts -------------------------------------------------------------------
  const live = document.querySelector("section.store-live");
  const list = live && live.querySelector(".store-live-list");
  const MAX_ALERTS = 5;

  function announce(data, kind, href, label) {
    if (!list) return;
    const li = document.createElement("li");
    li.className = "store-alert store-alert-" + kind;
    const when = document.createElement("time");
    when.textContent = cs.time(data.at);
    when.dateTime = data.at;
    const text = document.createElement(href ? "a" : "span");
    if (href) text.href = href;
    text.textContent = (label ? label + " · " : "") + (data.summary || data.type);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link store-alert-close";
    close.textContent = "×";
    close.setAttribute("aria-label", live.dataset.dismiss);
    close.addEventListener("click", () => li.remove());
    li.append(when, text, close);
    list.prepend(li);
    while (list.children.length > MAX_ALERTS) list.lastElementChild.remove();
  }

  // Several events in a burst refresh a list once.
  const timers = {};
  function refresh(selector, event) {
    const el = document.querySelector(selector);
    if (!el || !window.htmx) return;
    clearTimeout(timers[selector]);
    timers[selector] = setTimeout(() => {
      const current = document.querySelector(selector);
      if (current) window.htmx.trigger(current, event);
    }, 250);
  }

  const orderLink = (no) => "/store/orders/" + encodeURIComponent(no);

  cs.feed(
    "order.paid,order.confirmed,order.cancelled,order.shipped,order.address_changed," +
      "stock.low,stock.low_cleared,shipment.stalled,shipment.exception",
    (data, type) => {
      if (type.startsWith("order.")) {
        refresh("#queue", "queue-changed");
        if (type === "order.paid" && data.channel !== "pos" && data.order_no) {
          announce(data, "order", orderLink(data.order_no), live && live.dataset.newOrder);
        }
      } else if (type.startsWith("stock.")) {
        refresh("#stock", "stock-changed");
        if (type === "stock.low") announce(data, "stock", "/store/stock");
      } else if (type === "shipment.stalled" || type === "shipment.exception") {
        announce(data, "parcel", data.order_no ? orderLink(data.order_no) : "/store/shipments");
      }
    }
  );

  // ---- Till --------------------------------------------------------------------------
  const till = document.querySelector("form[data-till]");
  if (!till) return;
  const products = {};
  till.querySelectorAll("#products option").forEach((o) => {
    products[o.value.toUpperCase()] = { name: o.label || o.textContent, price: Number(o.dataset.price) };
  });
  const body = till.querySelector(".till-lines tbody");
  const total = till.querySelector(".till-total");
  const addButton = till.querySelector(".add-line");

  function update() {
    let sum = 0;
    body.querySelectorAll("tr.till-line").forEach((row) => {
      const sku = row.querySelector("input.sku").value.trim().toUpperCase();
      const qty = parseInt(row.querySelector("input.qty").value, 10);
      const product = products[sku];
      row.querySelector(".till-name").textContent = product ? product.name : "";
      const amount = product && qty > 0 ? product.price * qty : 0;
      row.querySelector(".till-amount").textContent = amount ? cs.money(amount) : "";
      sum += amount;
    });
    total.textContent = cs.money(sum);
  }

  function addLine() {
    const rows = body.querySelectorAll("tr.till-line");
    const row = rows[rows.length - 1].cloneNode(true);
    const n = rows.length + 1;
    const sku = row.querySelector("input.sku");
    const qty = row.querySelector("input.qty");
    sku.id = "sku-" + n; sku.value = ""; sku.removeAttribute("autofocus");
    qty.id = "qty-" + n; qty.value = "1";
    const labels = row.querySelectorAll("label");
    labels[0].htmlFor = sku.id; labels[0].textContent = addButton.dataset.label.replace("{n}", n);
    labels[1].htmlFor = qty.id; labels[1].textContent = addButton.dataset.qtyLabel.replace("{n}", n);
    body.appendChild(row);
    update();
    sku.focus();
  }

  till.addEventListener("input", update);
  addButton.hidden = false;
  addButton.addEventListener("click", addLine);
  // Enter in a SKU field moves on to its quantity instead of taking payment.
  till.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.classList.contains("sku")) {
      e.preventDefault();
      e.target.closest("tr").querySelector("input.qty").focus();
    }
  });
  // A second click while the first is on its way does nothing (the server would answer
  // the same sale anyway: the form's Idempotency-Key).
  till.addEventListener("submit", (e) => {
    if (till.dataset.sent) { e.preventDefault(); return; }
    till.dataset.sent = "1";
  });
  update();
})();
