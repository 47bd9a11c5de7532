// Draw every figure of the page with the theme's colours; redraw on theme change.
(function () {
  const figures = JSON.parse(document.getElementById("figures").textContent);
  function draw() {
    const style = getComputedStyle(document.documentElement);
    const text = style.getPropertyValue("--text").trim();
    const grid = style.getPropertyValue("--border").trim();
    Object.entries(figures).forEach(([id, fig]) => {
      const el = document.getElementById(id);
      if (!el) return;
      const layout = Object.assign({}, fig.layout, {
        font: { color: text },
        xaxis: Object.assign({}, fig.layout.xaxis, { gridcolor: grid }),
        yaxis: Object.assign({}, fig.layout.yaxis, { gridcolor: grid }),
      });
      Plotly.react(el, fig.data, layout, { responsive: true, displaylogo: false });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("themechange", draw);
})();
