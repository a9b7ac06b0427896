// The document page: source text (and page images) with obligations highlighted,
// one card per obligation, actions sent to the Review API, a local draft until saved.
// Text from documents only ever goes into the page through textContent.
"use strict";
(function () {
  const { el, post, banner, reviewer } = window.Review;
  const root = document.getElementById("app");
  const docId = root.dataset.doc;
  const pages = JSON.parse(root.dataset.pages || "[]");
  const params = new URLSearchParams(location.search);
  const blind = params.get("blind") === "1";
  const S = { state: null, text: "", cur: 0, editing: null, splitting: null, busy: false };
  const STATUS = { pending: "chờ rà soát", accepted: "đã chấp nhận", edited: "đã sửa", rejected: "bị loại", added: "thêm mới" };
  const KINDS = { date: "ngày", year: "năm", period: "giai đoạn", recurring: "định kỳ", from: "từ ngày" };
  const EVERY = { year: "hằng năm", quarter: "hằng quý", month: "hằng tháng", week: "hằng tuần", unspecified: "định kỳ" };
  const draftKey = () => `review-draft:${docId}:${blind ? "blind:" + reviewer() : "gold"}`;

  // ------------------------------------------------------------------ loading and drafts
  async function load(useDraft = true) {
    const q = new URLSearchParams();
    if (reviewer()) q.set("reviewer", reviewer());
    if (blind) q.set("blind", "1");
    const r = await fetch(`/api/doc/${docId}?${q}`, { credentials: "same-origin" });
    const data = await r.json();
    if (!r.ok) { banner(data.error || "Không tải được văn bản", "error"); return; }
    S.state = data.state; S.text = data.text;
    const draft = useDraft && readDraft();
    if (draft && draft.state.doc_id === docId) {
      if (draft.state.version === S.state.version) {
        S.state = draft.state;
        banner(`Đã khôi phục bản nháp chưa lưu (${draft.saved.slice(11, 16)}).`, "info",
          { label: "Bỏ bản nháp", run: () => { localStorage.removeItem(draftKey()); load(false); } });
      } else {
        banner("Có bản nháp dựa trên một phiên bản cũ hơn bản đã lưu.", "warn",
          { label: "Khôi phục bản nháp", run: () => { S.state = draft.state; render(); } });
      }
    }
    render();
    const m = location.hash.match(/^#u-(.+)$/);
    if (m) { const i = S.state.units.findIndex(u => u.uid === decodeURIComponent(m[1])); if (i >= 0) focus(i); }
  }
  function readDraft() { try { return JSON.parse(localStorage.getItem(draftKey()) || "null"); } catch (e) { return null; } }
  function writeDraft() { localStorage.setItem(draftKey(), JSON.stringify({ state: S.state, saved: new Date().toISOString() })); }

  async function act(action) {
    if (S.busy) return;
    S.busy = true;
    const uid = S.state.units[S.cur] && S.state.units[S.cur].uid;
    try {
      const r = await post(`/api/doc/${docId}/action`, { state: S.state, action, reviewer: reviewer() || null });
      S.state = r.state; S.editing = null; S.splitting = null;
      writeDraft();
      let i = S.state.units.findIndex(u => u.uid === (action.op === "add" ? newest() : uid));
      if (i < 0) i = Math.min(S.cur, S.state.units.length - 1);
      S.cur = Math.max(i, 0);
      if (action.op === "add") S.editing = S.state.units[S.cur].uid;
      render();
    } catch (e) { banner(e.message, "error"); }
    finally { S.busy = false; }
  }
  function newest() {
    const added = S.state.units.filter(u => /^n\d+$/.test(u.uid));
    return added.length ? added.reduce((a, b) => (+a.uid.slice(1) > +b.uid.slice(1) ? a : b)).uid : null;
  }

  async function save() {
    if (!reviewer()) { banner("Nhập tên người rà soát ở thanh trên cùng trước khi lưu.", "warn"); document.getElementById("reviewer").focus(); return; }
    try {
      const r = await post(`/api/doc/${docId}/save`, { state: S.state, reviewer: reviewer() });
      localStorage.removeItem(draftKey());
      await load(false);
      banner(`Đã lưu ${r.path.split("/").pop()} lúc ${r.saved_at.slice(11, 16)} (phiên bản ${r.version}).`, "ok");
    } catch (e) {
      if (e.status === 409) {
        banner("Không lưu: văn bản này đã được lưu ở nơi khác (một thẻ hoặc người khác) sau khi bạn mở. " + e.message,
          "error", { label: "Tải lại", run: () => { localStorage.removeItem(draftKey()); load(false); } });
      } else banner(e.message, "error");
    }
  }

  // ------------------------------------------------------------------ rendering
  function render() {
    const units = S.state.units;
    const done = units.filter(u => u.status !== "pending").length;
    document.getElementById("progress").textContent = `Đã rà soát ${done}/${units.length}`;
    renderText(); renderCards();
    if (pages.length) renderPages();
    mark();
  }

  function renderText() {
    const pane = document.getElementById("text-pane");
    const t = S.text;
    const frag = document.createDocumentFragment();
    const pre = el("div", { class: "source" });
    let pos = 0;
    const units = S.state.units.map((u, i) => [u, i]).filter(([u]) => u.start !== null && u.end !== null)
      .sort((a, b) => a[0].start - b[0].start);
    for (const [u, i] of units) {
      if (u.start < pos) continue;  // overlapping units: the card still shows it
      if (u.start > pos) pre.append(chunk(pos, u.start));
      const m = el("mark", { class: `ob status-${u.status}`, id: `m-${u.uid}`, "data-i": i, "data-label": `#${i + 1}` });
      let p = u.start;
      for (const sp of u.spans || []) {
        if (sp.start < p || sp.end > u.end) continue;
        if (sp.start > p) m.append(chunk(p, sp.start));
        const c = chunk(sp.start, sp.end);
        c.className = `sp ${sp.label}${sp.role ? " " + sp.role : ""}`;
        c.dataset.label = sp.label === "agency" ? (sp.role === "lead" ? "chủ trì" : "phối hợp") : (sp.label === "target" ? "chỉ tiêu" : "thời hạn");
        m.append(c);
        p = sp.end;
      }
      if (p < u.end) m.append(chunk(p, u.end));
      m.addEventListener("click", () => focus(i));
      pre.append(m);
      pos = u.end;
    }
    if (pos < t.length) pre.append(chunk(pos, t.length));
    frag.append(pre);
    pane.replaceChildren(frag);
  }
  function chunk(a, b) { return el("span", { "data-o": a, text: S.text.slice(a, b) }); }

  function renderPages() {
    const pane = document.getElementById("pages-pane");
    const kids = pages.map(pg => {
      const wrap = el("div", { class: "page", "data-page": pg.number });
      wrap.append(el("img", { src: `/doc/${docId}/page/${pg.number}.png`, alt: `Trang ${pg.number}`, loading: "lazy" }));
      S.state.units.forEach((u, i) => {
        if (u.page !== pg.number || !u.bbox) return;
        const [x0, top, x1, bottom] = u.bbox;
        const b = el("div", { class: `box status-${u.status}`, id: `b-${u.uid}`, "data-i": i, title: `#${i + 1}` },
          el("span", { class: "box-label", text: `#${i + 1}` }));
        b.style.left = (100 * x0 / pg.width) + "%"; b.style.top = (100 * top / pg.height) + "%";
        b.style.width = (100 * (x1 - x0) / pg.width) + "%"; b.style.height = (100 * (bottom - top) / pg.height) + "%";
        b.addEventListener("click", () => focus(i));
        wrap.append(b);
      });
      return el("figure", { class: "page-fig" }, wrap, el("figcaption", { class: "small muted", text: `Trang ${pg.number}` }));
    });
    pane.replaceChildren(...kids);
  }

  function renderCards() {
    const pane = document.getElementById("cards-pane");
    const cards = S.state.units.map((u, i) => card(u, i));
    if (!cards.length) cards.push(el("p", { class: "muted", text: "Pipeline không tìm thấy nghĩa vụ nào. Chọn đoạn văn bản để thêm." }));
    pane.replaceChildren(...cards);
  }

  function fmtDeadline(d) {
    if (!d) return "—";
    const parts = [KINDS[d.kind] || d.kind];
    if (d.start) parts.push("từ " + d.start);
    if (d.date) parts.push("đến " + d.date);
    if (d.kind === "recurring" && d.every) parts.push(EVERY[d.every] || d.every);
    return `${d.text || ""} (${parts.join(", ")})`;
  }

  function card(u, i) {
    const c = el("article", { class: `card status-${u.status}`, id: `u-${u.uid}`, "data-i": i, tabindex: "-1" });
    c.addEventListener("click", ev => { if (!ev.target.closest("button,input,select,textarea,label")) focus(i); });
    c.append(el("header", {},
      el("span", { class: "num", text: `#${i + 1}` }),
      el("span", { class: `badge status-${u.status}`, text: STATUS[u.status] || u.status }),
      u.reviewer ? el("span", { class: "muted small", text: `${u.reviewer}${u.at ? " · " + u.at.slice(0, 16).replace("T", " ") : ""}` }) : null));
    if (S.editing === u.uid) { c.append(editForm(u)); return c; }
    if (S.splitting === u.uid) { c.append(splitForm(u)); return c; }
    c.append(el("p", { class: "ob-text", text: u.text }));
    const dl = el("dl", { class: "fields" });
    const row = (k, v, cls) => dl.append(el("dt", { text: k }), el("dd", { class: cls, text: v }));
    row("Chủ trì", u.lead.join("; ") || "—", "lead");
    row("Phối hợp", u.support.join("; ") || "—", "support");
    row("Chỉ tiêu", u.targets.map(t => `${t.text} [${t.op} ${t.value}${t.unit ? " " + t.unit : ""}]`).join("; ") || "—", "targets");
    row("Thời hạn", fmtDeadline(u.deadline), "deadline");
    c.append(dl);
    c.append(suggestions(u));
    c.append(el("div", { class: "actions" },
      el("button", { type: "button", class: "act-accept", onclick: () => act({ op: "accept", uid: u.uid }), text: "Chấp nhận (a)" }),
      el("button", { type: "button", class: "act-edit", onclick: () => { S.cur = i; S.editing = u.uid; render(); }, text: "Sửa (e)" }),
      el("button", { type: "button", class: "act-reject", onclick: () => act({ op: "reject", uid: u.uid }), text: u.pred_id ? "Loại (r)" : "Xoá (r)" }),
      el("button", { type: "button", class: "act-split", onclick: () => { S.cur = i; S.splitting = u.uid; render(); }, text: "Tách" }),
      i + 1 < S.state.units.length ? el("button", { type: "button", class: "act-merge", onclick: () => act({ op: "merge", uid: u.uid }), text: "Gộp với tiếp" }) : null,
      u.status !== "pending" && u.pred_id ? el("button", { type: "button", class: "act-reset link", onclick: () => act({ op: "reset", uid: u.uid }), text: "Hoàn tác" }) : null));
    return c;
  }

  function suggestions(u) {
    const box = el("div", { class: "dti" }, el("div", { class: "dti-head small", text: "Chỉ tiêu DTI gợi ý (chọn một hoặc nhiều)" }));
    const codes = new Set(u.dti);
    const sug = u.suggestions || [];
    for (const s of sug) {
      const cb = el("input", { type: "checkbox", value: s.code, checked: codes.has(s.code) });
      cb.addEventListener("change", () => {
        const next = [...u.dti.filter(c => c !== s.code), ...(cb.checked ? [s.code] : [])];
        act({ op: "edit", uid: u.uid, fields: { dti: next } });
      });
      box.append(el("label", { class: `sug${s.source === "pipeline" ? " from-pipeline" : ""}` }, cb,
        el("b", { text: s.code }), " ", el("span", { class: "score", text: s.score.toFixed(2) }), " ",
        el("span", { class: "sug-name", text: s.name }),
        s.terms && s.terms.length ? el("span", { class: "terms small", text: " · " + s.terms.slice(0, 4).join(", ") }) : null));
    }
    const other = u.dti.filter(c => !sug.some(s => s.code === c));
    if (other.length) box.append(el("div", { class: "small", text: "Khác: " + other.join(", ") }));
    if (!sug.length && !other.length) box.append(el("div", { class: "muted small", text: "Không có gợi ý" }));
    return box;
  }

  function listInput(cls, values) {
    const wrap = el("div", { class: `multi ${cls}` });
    const add = v => wrap.insertBefore(el("input", { type: "text", list: "agency-list", value: v, class: "agency-input", placeholder: "Tên cơ quan" }), btn);
    const btn = el("button", { type: "button", class: "link add-one", onclick: () => add(""), text: "+ thêm" });
    wrap.append(btn);
    (values.length ? values : [""]).forEach(add);
    return wrap;
  }
  const vals = (wrap) => [...wrap.querySelectorAll("input")].map(x => x.value.trim()).filter(Boolean);

  function editForm(u) {
    const f = el("form", { class: "edit" });
    const text = el("textarea", { name: "text", rows: 4 }); text.value = u.text;
    const lead = listInput("lead", u.lead), support = listInput("support", u.support);
    const targets = el("div", { class: "targets-edit" });
    const addT = t => {
      const op = el("select", { name: "op" }, ...[">=", ">", "=", "<=", "<"].map(o => el("option", { value: o, selected: t.op === o, text: o })));
      targets.append(el("div", { class: "trow" },
        el("input", { name: "ttext", value: t.text || "", placeholder: "văn bản (vd. trên 80%)" }), op,
        el("input", { name: "value", type: "number", step: "any", value: t.value ?? "", placeholder: "giá trị" }),
        el("input", { name: "unit", value: t.unit || "", placeholder: "đơn vị" }),
        el("button", { type: "button", class: "link", onclick: ev => ev.target.parentElement.remove(), text: "×" })));
    };
    u.targets.forEach(addT);
    const d = u.deadline || {};
    const kind = el("select", { name: "kind" }, el("option", { value: "", text: "không có" }),
      ...Object.entries(KINDS).map(([k, v]) => el("option", { value: k, selected: d.kind === k, text: v })));
    const every = el("select", { name: "every" }, el("option", { value: "", text: "—" }),
      ...Object.entries(EVERY).map(([k, v]) => el("option", { value: k, selected: d.every === k, text: v })));
    const dtext = el("input", { name: "dtext", value: d.text || "", placeholder: "văn bản thời hạn" });
    const dstart = el("input", { name: "dstart", type: "date", value: d.start || "" });
    const ddate = el("input", { name: "ddate", type: "date", value: d.date || "" });
    const dti = el("input", { name: "dti", value: u.dti.join(", "), placeholder: "vd. 6.12, 2.9" });
    const lab = (k, ...kids) => el("label", { class: "fld" }, el("span", { text: k }), ...kids);
    f.append(lab("Nội dung", text), lab("Chủ trì", lead), lab("Phối hợp", support),
      lab("Chỉ tiêu", targets, el("button", { type: "button", class: "link", onclick: () => addT({ op: "=" }), text: "+ chỉ tiêu" })),
      lab("Thời hạn", el("div", { class: "dl-edit" }, kind, dtext, el("span", { class: "small", text: "từ" }), dstart,
        el("span", { class: "small", text: "đến" }), ddate, every)),
      lab("DTI", dti),
      el("div", { class: "actions" }, el("button", { type: "submit", class: "primary act-done", text: "Xong" }),
        el("button", { type: "button", onclick: () => { S.editing = null; render(); }, text: "Huỷ" })));
    f.addEventListener("submit", ev => {
      ev.preventDefault();
      const tg = [...targets.querySelectorAll(".trow")].map(r => ({
        text: r.querySelector("[name=ttext]").value.trim(), op: r.querySelector("[name=op]").value,
        value: parseFloat(r.querySelector("[name=value]").value), unit: r.querySelector("[name=unit]").value.trim(),
      })).filter(t => t.text && !isNaN(t.value));
      const dl = kind.value ? { kind: kind.value, text: dtext.value.trim(), date: ddate.value || null, start: dstart.value || null,
        every: kind.value === "recurring" ? (every.value || "unspecified") : null } : null;
      act({ op: "edit", uid: u.uid, fields: { text: text.value, lead: vals(lead), support: vals(support), targets: tg,
        deadline: dl, dti: dti.value.split(/[,;\s]+/).filter(Boolean) } });
    });
    setTimeout(() => text.focus(), 0);
    return f;
  }

  function splitForm(u) {
    const ta = el("textarea", { class: "split-text", rows: 5, readonly: true }); ta.value = u.text;
    setTimeout(() => { ta.focus(); ta.setSelectionRange(Math.floor(u.text.length / 2), Math.floor(u.text.length / 2)); }, 0);
    return el("div", { class: "split" },
      el("p", { class: "small", text: "Đặt con trỏ vào chỗ cần tách (ví dụ trước cơ quan chủ trì mới) rồi bấm “Tách tại con trỏ”." }), ta,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "primary act-split-here", onclick: () => act({ op: "split", uid: u.uid, at: ta.selectionStart }), text: "Tách tại con trỏ" }),
        el("button", { type: "button", onclick: () => { S.splitting = null; render(); }, text: "Huỷ" })));
  }

  // ------------------------------------------------------------------ focus, selection, keys
  function focus(i) {
    if (!S.state.units.length) return;
    S.cur = Math.max(0, Math.min(i, S.state.units.length - 1));
    mark();
    const u = S.state.units[S.cur];
    const c = document.getElementById(`u-${u.uid}`);
    if (c) c.scrollIntoView({ block: "nearest", behavior: "smooth" });
    const m = document.getElementById(`m-${u.uid}`);
    if (m) m.scrollIntoView({ block: "nearest", behavior: "smooth" });
    const b = document.getElementById(`b-${u.uid}`);
    if (b) b.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  function mark() {
    document.querySelectorAll(".current").forEach(x => x.classList.remove("current"));
    const u = S.state.units[S.cur];
    if (!u) return;
    for (const id of [`u-${u.uid}`, `m-${u.uid}`, `b-${u.uid}`]) { const x = document.getElementById(id); if (x) x.classList.add("current"); }
  }
  function offsetOf(node, off) {
    const e = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const holder = e && e.closest("[data-o]");
    if (!holder) return null;
    return +holder.dataset.o + (node.nodeType === Node.TEXT_NODE ? off : 0);
  }
  function addFromSelection() {
    const sel = window.getSelection();
    const pane = document.getElementById("text-pane");
    if (!sel.rangeCount || sel.isCollapsed || !pane.contains(sel.anchorNode)) {
      banner("Chọn (bôi đen) đoạn văn bản của nghĩa vụ bị bỏ sót trong khung văn bản trước.", "warn"); return;
    }
    const r = sel.getRangeAt(0);
    const a = offsetOf(r.startContainer, r.startOffset), b = offsetOf(r.endContainer, r.endOffset);
    if (a === null || b === null || b <= a) { banner("Không xác định được đoạn đã chọn.", "warn"); return; }
    sel.removeAllRanges();
    act({ op: "add", start: a, end: b });
  }
  document.addEventListener("keydown", ev => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target.closest && ev.target.closest("input,textarea,select")) { if (ev.key === "Escape") { S.editing = S.splitting = null; render(); } return; }
    const u = S.state && S.state.units[S.cur];
    const k = ev.key;
    if (k === "?") { toggleHelp(); }
    else if (k === "Escape") { document.getElementById("help").hidden = true; }
    else if (k === "j") focus(S.cur + 1);
    else if (k === "k") focus(S.cur - 1);
    else if (k === "a" && u) act({ op: "accept", uid: u.uid });
    else if (k === "r" && u) act({ op: "reject", uid: u.uid });
    else if (k === "e" && u) { S.editing = u.uid; render(); }
    else if (k === "n") addFromSelection();
    else if (k === "s") save();
    else return;
    ev.preventDefault();
  });
  function toggleHelp() { const h = document.getElementById("help"); h.hidden = !h.hidden; }

  document.addEventListener("DOMContentLoaded", async () => {
    document.getElementById("save-btn").addEventListener("click", save);
    document.getElementById("help-btn").addEventListener("click", toggleHelp);
    document.getElementById("help-close").addEventListener("click", toggleHelp);
    document.getElementById("add-btn").addEventListener("mousedown", ev => ev.preventDefault());  // keep the selection
    document.getElementById("add-btn").addEventListener("click", addFromSelection);
    const bl = document.getElementById("blind");
    bl.checked = blind;
    bl.addEventListener("change", () => { params.set("blind", bl.checked ? "1" : "0"); location.search = params.toString(); });
    const tp = document.getElementById("toggle-pages");
    if (tp) tp.addEventListener("click", () => {
      const panes = document.querySelector(".panes");
      const on = panes.classList.toggle("with-pages");
      document.getElementById("pages-pane").hidden = !on;
      tp.setAttribute("aria-pressed", on ? "true" : "false");
    });
    fetch("/api/agencies", { credentials: "same-origin" }).then(r => r.json()).then(names => {
      document.getElementById("agency-list").replaceChildren(...names.map(n => el("option", { value: n })));
    });
    await load();
  });
})();
