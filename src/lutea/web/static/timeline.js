// The timeline chart: measured levels (one legend entry per colour), reference bands, threshold
// lines of her context, dose markers above the axis, a "now" line, and the predicted curve with a
// light 90% band over her own (endogenous) level; a unit toggle (ng/mL and nmol/L). Data: the JSON in #chart-data (ng/mL).
(function () {
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var words = data.words || {};
  var COLORS = { urgent: "#a4161a", advise: "#8a5a00", info: "#0b4f8a", none: "#333333" };
  var SEVERITY = { urgent: "urgent finding", advise: "advice", info: "information only", none: "no finding" };
  var THRESHOLD = "#6b4500";
  var ENDOGENOUS = "#01665e";

  function scale(values, k) { return values.map(function (v) { return v === null ? null : v * k; }); }

  function draw(unit) {
    var k = unit === "nmol" ? data.nmol_per_ng : 1.0;
    var label = unit === "nmol" ? "nmol/L" : "ng/mL";
    var traces = [];
    var shapes = [];
    var annotations = [];
    var top = 0;
    var c = data.curve;
    if (c && c.endogenous) {  // her own level, under the dose curve that includes it
      traces.push({ x: c.t, y: scale(c.endogenous.median_ng_ml, k), mode: "lines", line: { color: ENDOGENOUS, width: 1.5, dash: "dashdot" },
        fill: "tozeroy", fillcolor: "rgba(1,102,94,0.12)", name: c.endogenous.label, hovertemplate: "%{y:.3g} " + label + "<extra></extra>" });
    }
    if (c) {
      traces.push({ x: c.t, y: scale(c.high, k), mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "upper" });
      traces.push({ x: c.t, y: scale(c.low, k), mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(11,79,138,0.08)", name: c.band_label || "90% band", hoverinfo: "skip" });
      traces.push({ x: c.t, y: scale(c.median, k), mode: "lines", line: { color: "#0b4f8a", width: 2 }, name: c.label });
      top = Math.max(top, Math.max.apply(null, c.median.concat([0])) * k * 1.1);
    }
    data.bands.forEach(function (b) {
      if (b.high === null) { return; }
      shapes.push({ type: "rect", xref: "x", yref: "y", x0: b.t0, x1: b.t1, y0: b.low * k, y1: b.high * k,
        fillcolor: "rgba(35,139,69,0.22)", line: { width: 0 }, layer: "below" });
    });
    if (data.bands.length) {  // a legend entry for the green bands (the shapes themselves have none)
      traces.push({ x: [null], y: [null], mode: "markers", marker: { symbol: "square", size: 12, color: "rgba(35,139,69,0.45)" },
        name: words.band || "reference interval", hoverinfo: "skip" });
    }
    (data.thresholds || []).forEach(function (th) {
      var y = th.ng_ml * k;
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: y, y1: y, line: { color: THRESHOLD, width: 2, dash: "dash" } });
      annotations.push({ xref: "paper", x: 0, xanchor: "left", yref: "y", y: y, yanchor: "bottom", text: th.label, showarrow: false,
        font: { size: 11, color: THRESHOLD }, bgcolor: "rgba(255,255,255,0.85)" });
      traces.push({ x: [null], y: [null], mode: "lines", line: { color: THRESHOLD, width: 2, dash: "dash" }, name: th.label, hoverinfo: "skip" });
      top = Math.max(top, y * 1.25);
    });
    var m = data.measurements;
    ["urgent", "advise", "info", "none"].forEach(function (sev) {  // one legend entry per dot colour
      var pts = m.filter(function (p) { return p.severity === sev; });
      if (!pts.length) { return; }
      traces.push({ x: pts.map(function (p) { return p.t; }), y: pts.map(function (p) { return p.ng_ml * k; }), mode: "markers",
        marker: { size: 10, color: COLORS[sev], line: { color: "#ffffff", width: 1 } },
        name: (words.measured || "result") + ": " + SEVERITY[sev], text: pts.map(function (p) { return p.label; }),
        hovertemplate: "%{text}<br>%{y:.3g} " + label + "<extra></extra>" });
      pts.forEach(function (p) { top = Math.max(top, p.ng_ml * k * 1.15); });
    });
    if (data.doses.length) {  // dose markers in a strip above the plot, not on the axis
      traces.push({ x: data.doses.map(function (d) { return d.t; }), y: data.doses.map(function () { return 1; }), yaxis: "y2", mode: "markers",
        marker: { symbol: "triangle-down", size: 9, color: "#54278f" }, name: words.doses || "doses", text: data.doses.map(function (d) { return d.label; }),
        hoverinfo: "text+x" });
    }
    if (data.now) {
      shapes.push({ type: "line", xref: "x", x0: data.now, x1: data.now, yref: "paper", y0: 0, y1: 1, line: { color: "#4a4a4a", width: 1, dash: "dot" } });
      annotations.push({ xref: "x", x: data.now, yref: "paper", y: 1, yanchor: "bottom", text: words.now || "now", showarrow: false, font: { size: 11, color: "#4a4a4a" } });
    }
    var layout = { margin: { l: 60, r: 20, t: 20, b: 40 }, height: 420, shapes: shapes, annotations: annotations,
      legend: { orientation: "h", y: -0.2 },
      yaxis: { title: { text: "serum progesterone (" + label + ")" }, rangemode: "tozero", domain: [0, 0.9], range: top > 0 ? [0, top] : undefined },
      yaxis2: { domain: [0.92, 1], showticklabels: false, showgrid: false, zeroline: false, range: [0, 2], fixedrange: true },
      xaxis: { type: "date", range: data.window ? [data.window.from, data.window.to] : undefined },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff" };
    window.Plotly.react(holder, traces, layout, { displayModeBar: false, responsive: true });
    holder.dataset.points = String(m.length);
    holder.dataset.unit = label;
    holder.dataset.legend = traces.filter(function (t) { return t.showlegend !== false; }).map(function (t) { return t.name; }).join("|");
  }

  document.querySelectorAll('input[name="unit"]').forEach(function (el) {
    el.addEventListener("change", function () { draw(el.value); });
  });
  draw("ng");
})();
