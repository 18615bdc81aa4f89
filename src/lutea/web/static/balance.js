// The individualised curve with its 90% band, her own (endogenous) level under it, the measured
// levels it was fitted to, the target's bounds and a dotted "now" line, each with its legend entry.
// Data: the JSON in #balance-data (lutea.web.chart.balance_chart, ng/mL).
(function () {
  var holder = document.getElementById("balance-chart");
  var source = document.getElementById("balance-data");
  if (!holder || !source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var c = data.curve;
  var TARGET = "#6b4500";
  var NOW = "#4a4a4a";
  var traces = [
    { x: c.t, y: c.high, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "upper" },
    { x: c.t, y: c.low, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(11,79,138,0.08)", name: "90% band" },
    { x: c.t, y: c.median, mode: "lines", line: { color: "#0b4f8a", width: 2 }, name: c.label },
    { x: data.measurements.map(function (l) { return l.t; }), y: data.measurements.map(function (l) { return l.ng_ml; }), mode: "markers",
      marker: { size: 10, color: "#a4161a" }, name: "measured" }
  ];
  var shapes = [];
  var annotations = [];
  // the axis from the data (curve and levels), not the 90% band, as on the record's chart
  var top = Math.max.apply(null, c.median.concat(data.measurements.map(function (l) { return l.ng_ml; })).concat([0])) * 1.15;
  if (c.endogenous) {  // her own level, which the curve includes
    traces.push({ x: c.t, y: c.endogenous.median_ng_ml, mode: "lines", line: { color: "#01665e", width: 1.5, dash: "dashdot" },
      fill: "tozeroy", fillcolor: "rgba(1,102,94,0.12)", name: c.endogenous.label });
  }
  data.thresholds.forEach(function (th) {  // the target's bounds
    shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: th.ng_ml, y1: th.ng_ml, line: { color: TARGET, width: 2, dash: "dash" } });
    traces.push({ x: [null], y: [null], mode: "lines", line: { color: TARGET, width: 2, dash: "dash" }, name: th.label, hoverinfo: "skip" });
    top = Math.max(top, th.ng_ml * 1.25);
  });
  if (data.now) {  // a dotted line at now, labelled on the plot and in the legend
    shapes.push({ type: "line", xref: "x", x0: data.now, x1: data.now, yref: "paper", y0: 0, y1: 1, line: { color: NOW, width: 1, dash: "dot" } });
    annotations.push({ xref: "x", x: data.now, yref: "paper", y: 1, yanchor: "bottom", text: data.words.now, showarrow: false, font: { size: 11, color: NOW } });
    traces.push({ x: [null], y: [null], mode: "lines", line: { color: NOW, width: 1, dash: "dot" }, name: data.words.now, hoverinfo: "skip" });
  }
  window.Plotly.react(holder, traces, { margin: { l: 60, r: 20, t: 20, b: 40 }, height: 360, legend: { orientation: "h", y: -0.2 },
    shapes: shapes, annotations: annotations,
    yaxis: { title: { text: "serum progesterone (ng/mL)" }, rangemode: "tozero", range: top > 0 ? [0, top] : undefined },
    xaxis: { type: "date" } }, { displayModeBar: false, responsive: true });
  holder.dataset.points = String(c.median.length);
  holder.dataset.legend = traces.filter(function (t) { return t.showlegend !== false; }).map(function (t) { return t.name; }).join("|");
})();
