// Draw one bar chart per statistics table from the page's embedded JSON (no inline script, no CDN).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var colours = ["#b71c1c", "#1565c0", "#2e7d32", "#f9a825"];
  JSON.parse(source.textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.key);
    if (!canvas || !chart.labels.length) {
      return;
    }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: colours[index % colours.length] };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { display: chart.series.length > 1 } }
      }
    });
  });
})();
