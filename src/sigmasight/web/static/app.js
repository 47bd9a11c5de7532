// Theme: stored choice, else the system preference.
(function () {
  const root = document.documentElement;
  const stored = localStorage.getItem("sigmasight-theme");
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.dataset.theme = stored || (dark ? "dark" : "light");
  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.addEventListener("click", () => {
        root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
        localStorage.setItem("sigmasight-theme", root.dataset.theme);
        document.dispatchEvent(new Event("themechange"));
      });
    }
    const switcher = document.getElementById("switcher");
    if (switcher) {
      switcher.addEventListener("change", () => { location.href = switcher.value; });
    }
    // Widths from data attributes through the CSSOM (the CSP allows no inline style).
    document.querySelectorAll("[data-width]").forEach((el) => {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.dataset.width) || 0)) + "%";
    });
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    document.querySelectorAll("[data-filter-table]").forEach(bindFilters);
    // A page showing work in progress (a computation) reloads itself until it is done.
    const waiting = document.querySelector("[data-reload-after]");
    if (waiting) setTimeout(() => location.reload(), Number(waiting.dataset.reloadAfter));
  });

  function cellValue(row, index) {
    const cell = row.children[index];
    const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
    const number = parseFloat(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }

  function makeSortable(table) {
    table.querySelectorAll("th button").forEach((button, index) => {
      button.addEventListener("click", () => {
        const th = button.parentElement;
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = cellValue(a, index), y = cellValue(b, index);
          return (x > y ? 1 : x < y ? -1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }

  function bindFilters(form) {
    const table = document.getElementById(form.dataset.filterTable);
    const apply = () => {
      const wanted = {};
      form.querySelectorAll("select").forEach((s) => { if (s.value) wanted[s.name] = s.value; });
      Array.from(table.tBodies[0].rows).forEach((row) => {
        const show = Object.entries(wanted).every(([key, value]) =>
          (row.dataset[key] || "").split("|").includes(value));
        row.hidden = !show;
      });
    };
    form.addEventListener("change", apply);
  }
})();
