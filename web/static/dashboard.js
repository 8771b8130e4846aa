// The managers' dashboard charts, drawn with the Plotly bundle the app serves from the plotly package.
"use strict";

(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Plotly === "undefined") return;
  const data = JSON.parse(source.textContent);
  // The mode bar would sit over the titles on a phone; the charts are for reading, not editing.
  const config = { responsive: true, displaylogo: false, displayModeBar: false };
  const layout = (title, extra) => Object.assign({
    title: { text: title, font: { size: 15 } },
    margin: { l: 45, r: 30, t: 45, b: 70 },
    autosize: true,
    legend: { orientation: "h", y: -0.25 },
  }, extra);

  const daily = data.daily;
  Plotly.newPlot("chart-daily", [
    { x: daily.days, y: daily.target, name: daily.target_name, mode: "lines+markers", connectgaps: false },
    { x: daily.days, y: daily.promise, name: daily.promise_name, mode: "lines+markers", connectgaps: false },
  ], layout(daily.title, { yaxis: { range: [0, 100], ticksuffix: "%" }, xaxis: { type: "date", tickformat: "%m-%d" } }), config);

  for (const name of ["response", "lateness"]) {
    const chart = data[name];
    Plotly.newPlot("chart-" + name, [
      { x: chart.bins, y: chart.counts, type: "bar", marker: { color: name === "lateness" ? "#c0392b" : "#2e86c1" } },
    ], layout(chart.title, { xaxis: { type: "category", automargin: true } }), config);
  }
})();
