// Customer pages: the notification badge. Unread notifications come from
// GET /v1/notifications?unread=true; the live feed (the customer's own orders and parcels)
// says when to look again; opening one marks it read and goes to the order.
"use strict";

(function () {
  const root = document.querySelector(".notify");
  if (!root) return;
  const button = root.querySelector(".notify-button");
  const badge = root.querySelector(".badge");
  const panel = root.querySelector(".notify-list");
  const list = panel.querySelector("ul");
  const cs = window.chainstore;
  const headers = { "Accept-Language": cs.lang() };

  function show(items) {
    badge.textContent = String(items.length);
    badge.hidden = items.length === 0;
    button.setAttribute("aria-label", root.dataset.unread.replace("{n}", String(items.length)));
    list.replaceChildren();
    if (items.length === 0) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = root.dataset.empty;
      list.appendChild(li);
      return;
    }
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.link;
      a.dataset.id = item.id;
      const title = document.createElement("strong");
      title.textContent = item.title;
      const body = document.createElement("span");
      body.textContent = item.body;
      const when = document.createElement("span");
      when.className = "muted";
      when.textContent = cs.time(item.at);
      a.append(title, document.createElement("br"), body, when);
      li.appendChild(a);
      list.appendChild(li);
    }
  }

  async function refresh() {
    try {
      const r = await cs.api("/v1/notifications?unread=true&limit=20", { headers });
      if (r.ok) show((await r.json()).items);
    } catch (_) {
      // Offline, or leaving the page (Firefox rejects the fetches under way): keep the badge.
    }
  }

  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) (list.querySelector("a") || panel.querySelector("button")).focus();
  }

  button.addEventListener("click", () => toggle(panel.hidden));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) { toggle(false); button.focus(); }
  });
  document.addEventListener("click", (e) => {
    if (!root.contains(e.target)) toggle(false);
  });
  list.addEventListener("click", async (e) => {
    const link = e.target.closest("a[data-id]");
    if (!link) return;
    e.preventDefault();
    await cs.api("/v1/notifications/" + encodeURIComponent(link.dataset.id) + "/read", { method: "POST" });
    window.location.assign(link.href);
  });
  root.querySelector(".notify-read-all").addEventListener("click", async () => {
    await cs.api("/v1/notifications/read-all", { method: "POST" });
    refresh();
  });

  // A feed event means a notification is being written: look again now and once shortly
  // after (the inbox is written by its own consumer, maybe a moment later than the feed).
  let timer = null;
  cs.feed("order.*,shipment.*", () => {
    refresh();
    clearTimeout(timer);
    timer = setTimeout(refresh, 1500);
  });
  refresh();
})();
