// The individualised curve with its 90% band, her own (endogenous) level under it, and the measured
// levels it was fitted to.
(function () {
  var holder = document.getElementById("balance-chart");
  var source = document.getElementById("balance-data");
  if (!holder || !source || !window.Plotly) { return; }
  var c = JSON.parse(source.textContent);
  var traces = [
    { x: c.t, y: c.high, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "upper" },
    { x: c.t, y: c.low, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(11,79,138,0.08)", name: "90% band" },
    { x: c.t, y: c.median, mode: "lines", line: { color: "#0b4f8a", width: 2 }, name: "individualised" },
    { x: c.levels.map(function (l) { return l.t; }), y: c.levels.map(function (l) { return l.ng_ml; }), mode: "markers",
      marker: { size: 10, color: "#a4161a" }, name: "measured" }
  ];
  // the axis from the data (curve and levels), not the 90% band, as on the record's chart
  var top = Math.max.apply(null, c.median.concat(c.levels.map(function (l) { return l.ng_ml; })).concat([0])) * 1.15;
  if (c.endogenous) {  // her own level, which the curve includes
    traces.push({ x: c.t, y: c.endogenous.median_ng_ml, mode: "lines", line: { color: "#01665e", width: 1.5, dash: "dashdot" },
      fill: "tozeroy", fillcolor: "rgba(1,102,94,0.12)", name: "her own (endogenous) level, scaled to her results" });
  }
  window.Plotly.react(holder, traces, { margin: { l: 60, r: 20, t: 10, b: 40 }, height: 360, legend: { orientation: "h", y: -0.2 },
    yaxis: { title: { text: "serum progesterone (ng/mL)" }, rangemode: "tozero", range: top > 0 ? [0, top] : undefined },
    xaxis: { type: "date" } }, { displayModeBar: false, responsive: true });
  holder.dataset.points = String(c.median.length);
})();
