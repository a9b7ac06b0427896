"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("curate");
  document.getElementById("curate-save").addEventListener("click", async () => {
    const picks = {};
    for (const tr of root.querySelectorAll("tr[data-key]")) {
      const c = tr.querySelector("input[type=radio]:checked");
      if (c) picks[tr.dataset.key] = c.value;
    }
    const curator = Review.reviewer();
    if (!curator) { Review.banner("Nhập tên người rà soát ở thanh trên cùng trước khi lưu.", "warn"); return; }
    try {
      const r = await Review.post(`/api/doc/${root.dataset.doc}/curate`, {
        picks, curator, version: root.dataset.version, a: root.dataset.a, b: root.dataset.b });
      root.dataset.version = r.version;
      Review.banner(`Đã lưu đáp án chung (${r.obligations} nghĩa vụ).`, "ok");
    } catch (e) { Review.banner(e.message, "error", e.status === 409 ? { label: "Tải lại", run: () => location.reload() } : null); }
  });
});
