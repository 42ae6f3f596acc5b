// 提案统计: one Chart.js chart per table from the page's embedded JSON (#report-charts).
(function () {
  if (!window.Chart) { return; }
  var specs = JSON.parse(document.getElementById("report-charts").textContent);
  specs.forEach(function (spec) {
    var canvas = document.getElementById("chart-" + spec.key);
    if (!canvas) { return; }
    var round = spec.type !== "bar";
    var scales = round ? {} : {
      x: {stacked: !!spec.stacked},
      y: {stacked: !!spec.stacked, beginAtZero: true, max: spec.percent ? 100 : undefined, ticks: {precision: 0}}
    };
    new Chart(canvas, {
      type: spec.type,
      data: {labels: spec.labels, datasets: spec.datasets},
      options: {responsive: true, maintainAspectRatio: false, animation: false, scales: scales,
                plugins: {legend: {position: "bottom"}}}
    });
  });
})();
