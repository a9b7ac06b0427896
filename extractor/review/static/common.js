// Shared by every page: the reviewer's name (kept in this browser) and a JSON POST helper
// that sends the CSRF token. No framework, no build step.
"use strict";
window.Review = (function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  function reviewer() { return (localStorage.getItem("reviewer") || "").trim(); }
  async function post(url, body) {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: "Máy chủ trả lời không hợp lệ (" + r.status + ")" }; }
    if (!r.ok) { const err = new Error(data.error || ("Lỗi " + r.status)); err.status = r.status; throw err; }
    return data;
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of kids.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function banner(msg, kind, action) {
    const b = document.getElementById("banner");
    if (!b) { alert(msg); return; }
    b.replaceChildren(el("span", { text: msg }));
    if (action) b.append(" ", el("button", { type: "button", onclick: action.run, text: action.label }));
    b.append(" ", el("button", { type: "button", class: "close", "aria-label": "Đóng", onclick: () => { b.hidden = true; }, text: "×" }));
    b.className = "banner " + (kind || "info");
    b.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("reviewer");
    if (input) {
      input.value = reviewer();
      input.addEventListener("input", () => localStorage.setItem("reviewer", input.value.trim()));
    }
  });
  return { reviewer, post, el, banner };
})();
