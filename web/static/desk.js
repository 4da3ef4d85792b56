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
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  // Buttons that change something are disabled after the first click (no double submissions).
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", () => {
      setTimeout(() => form.querySelectorAll("button").forEach((b) => { b.disabled = true; }), 0);
    });
  });
});
