// The managers' dashboard charts, drawn with the Plotly bundle the app serves from the plotly package.
"use strict";

(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Plotly === "undefined") return;
  const data = JSON.parse(source.textContent);
  const config = { responsive: true, displaylogo: false };
  const layout = (title, extra) => Object.assign({
    title: { text: title, font: { size: 15 } },
    margin: { l: 45, r: 15, t: 45, b: 60 },
    autosize: true,
    legend: { orientation: "h", y: -0.25 },
  }, extra);

  const daily = data.daily;
  Plotly.newPlot("chart-daily", [
    { x: daily.days, y: daily.target, name: daily.target_name, mode: "lines+markers", connectgaps: false },
    { x: daily.days, y: daily.promise, name: daily.promise_name, mode: "lines+markers", connectgaps: false },
  ], layout(daily.title, { yaxis: { range: [0, 100], ticksuffix: "%" }, xaxis: { type: "date" } }), config);

  for (const name of ["response", "lateness"]) {
    const chart = data[name];
    Plotly.newPlot("chart-" + name, [
      { x: chart.bins, y: chart.counts, type: "bar", marker: { color: name === "lateness" ? "#c0392b" : "#2e86c1" } },
    ], layout(chart.title, { xaxis: { type: "category" } }), config);
  }
})();
