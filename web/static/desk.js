// Review desk: small helpers, no build step.
document.addEventListener("DOMContentLoaded", () => {
  // Hovering a field row lights its evidence box on the page, and the other way round.
  const light = (id, on) => {
    document.querySelectorAll(`[data-field="${id}"]`).forEach((el) => el.classList.toggle("hot", on));
  };
  document.querySelectorAll("[data-field]").forEach((el) => {
    el.addEventListener("mouseenter", () => light(el.dataset.field, true));
    el.addEventListener("mouseleave", () => light(el.dataset.field, false));
  });
  // Clicking a field row scrolls its box into view.
  document.querySelectorAll("tr.field-row").forEach((row) => {
    row.addEventListener("click", (ev) => {
      if (ev.target.closest("form, summary, a, button, input")) return;
      const box = document.querySelector(`.box[data-field="${row.dataset.field}"]`);
      if (box) box.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  // The page viewer: zoom in (the 200 dpi image is fetched the first time), out, fit; drag to pan.
  const LEVELS = [1, 1.5, 2, 3, 4];
  document.querySelectorAll(".viewer").forEach((viewer) => {
    const sheet = viewer.querySelector(".sheet");
    const img = sheet.querySelector("img");
    const port = viewer.querySelector(".viewport");
    const label = viewer.querySelector(".zoom-level");
    let level = 0;
    const show = (next, cx, cy) => {
      const before = LEVELS[level];
      level = Math.max(0, Math.min(LEVELS.length - 1, next));
      const z = LEVELS[level];
      const fx = cx ?? port.clientWidth / 2, fy = cy ?? port.clientHeight / 2;
      const px = (port.scrollLeft + fx) / before, py = (port.scrollTop + fy) / before;
      sheet.style.setProperty("--zoom", z);
      viewer.dataset.zoomed = z > 1 ? "1" : "0";
      if (z > 1 && viewer.dataset.zoomSrc && !img.dataset.sharp) {
        img.dataset.sharp = "1";
        img.src = viewer.dataset.zoomSrc;
      }
      port.scrollLeft = px * z - fx;
      port.scrollTop = py * z - fy;
      label.textContent = `${Math.round(z * 100)}%`;
    };
    viewer.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
      const how = b.dataset.zoom;
      show(how === "in" ? level + 1 : how === "out" ? level - 1 : 0);
    }));
    port.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      const r = port.getBoundingClientRect();
      show(level + (ev.deltaY < 0 ? 1 : -1), ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    let drag = null;
    port.addEventListener("pointerdown", (ev) => {
      if (LEVELS[level] === 1 || ev.target.closest("a.box")) return;
      drag = { x: ev.clientX, y: ev.clientY, l: port.scrollLeft, t: port.scrollTop };
      port.classList.add("dragging");
      port.setPointerCapture(ev.pointerId);
    });
    port.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      port.scrollLeft = drag.l - (ev.clientX - drag.x);
      port.scrollTop = drag.t - (ev.clientY - drag.y);
    });
    const stop = () => { drag = null; port.classList.remove("dragging"); };
    port.addEventListener("pointerup", stop);
    port.addEventListener("pointercancel", stop);
  });
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  // Buttons that change something are disabled after the first click (no double submissions).
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", () => {
      setTimeout(() => form.querySelectorAll("button").forEach((b) => { b.disabled = true; }), 0);
    });
  });
});
