// The data-quality trend (customers/quality_dashboard.html) drawn with Chart.js from static/vendor.
// Data comes from a json_script tag: no inline script, nothing the CSP refuses.
"use strict";

(function () {
  const source = document.getElementById("quality-chart-data");
  const canvas = document.getElementById("quality-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  // Colour-blind-safe (Okabe-Ito); the score, on its own axis, is the dark line.
  const colours = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2", "#222222"];
  const narrow = canvas.parentElement.clientWidth < 600;
  const chart = new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.series.map((series, i) => ({
        label: series.label,
        data: series.values,
        yAxisID: series.key === "average_score" ? "score" : "count",
        borderColor: colours[i % colours.length],
        backgroundColor: colours[i % colours.length],
        borderWidth: series.key === "average_score" ? 3 : 2,
        pointRadius: data.labels.length > 30 ? 0 : 3,
        spanGaps: true,
        tension: 0.2,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: narrow ? 1 : 2.4,
      interaction: {mode: "index", intersect: false},
      plugins: {legend: {position: narrow ? "bottom" : "top"}},
      scales: {
        count: {type: "linear", position: "left", beginAtZero: true, title: {display: !narrow, text: "customers"}},
        score: {type: "linear", position: "right", min: 0, max: 100, grid: {drawOnChartArea: false},
                title: {display: !narrow, text: "average score"}},
      },
    },
  });
  canvas.dataset.ready = String(chart.data.datasets.length);
})();
