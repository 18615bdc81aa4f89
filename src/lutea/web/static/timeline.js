// The timeline chart: measured levels, reference bands, dose markers, predicted curve and 90% band,
// with a unit toggle (ng/mL and nmol/L). Data: the JSON in #chart-data (server-side, ng/mL).
(function () {
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var COLORS = { urgent: "#a4161a", advise: "#8a5a00", info: "#0b4f8a", none: "#333333" };

  function scale(values, k) { return values.map(function (v) { return v === null ? null : v * k; }); }

  function draw(unit) {
    var k = unit === "nmol" ? data.nmol_per_ng : 1.0;
    var label = unit === "nmol" ? "nmol/L" : "ng/mL";
    var traces = [];
    var shapes = [];
    var c = data.curve;
    if (c) {
      traces.push({ x: c.t, y: scale(c.high, k), mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "upper" });
      traces.push({ x: c.t, y: scale(c.low, k), mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(11,79,138,0.18)", name: c.kind + " 90% band", hoverinfo: "skip" });
      traces.push({ x: c.t, y: scale(c.median, k), mode: "lines", line: { color: "#0b4f8a", width: 2 }, name: c.label });
    }
    data.bands.forEach(function (b) {
      if (b.high === null) { return; }
      shapes.push({ type: "rect", xref: "x", yref: "y", x0: b.t0, x1: b.t1, y0: b.low * k, y1: b.high * k,
        fillcolor: "rgba(35,139,69,0.22)", line: { width: 0 }, layer: "below" });
    });
    if (data.bands.length) {
      traces.push({ x: data.bands.map(function (b) { return b.t0; }), y: data.bands.map(function (b) { return b.high === null ? null : b.high * k; }),
        mode: "markers", marker: { symbol: "line-ew", size: 10, color: "rgba(35,139,69,0.8)", line: { width: 2, color: "rgba(35,139,69,0.8)" } },
        name: "reference band (top)", text: data.bands.map(function (b) { return b.label; }), hoverinfo: "text" });
    }
    var m = data.measurements;
    traces.push({ x: m.map(function (p) { return p.t; }), y: m.map(function (p) { return p.ng_ml * k; }), mode: "markers",
      marker: { size: 10, color: m.map(function (p) { return COLORS[p.severity] || COLORS.none; }), line: { color: "#ffffff", width: 1 } },
      name: "measured", text: m.map(function (p) { return p.label; }), hovertemplate: "%{text}<br>%{y:.3g} " + label + "<extra></extra>" });
    if (data.doses.length) {
      traces.push({ x: data.doses.map(function (d) { return d.t; }), y: data.doses.map(function () { return 0; }), mode: "markers",
        marker: { symbol: "triangle-up", size: 9, color: "#54278f" }, name: "doses", text: data.doses.map(function (d) { return d.label; }),
        hoverinfo: "text+x" });
    }
    var layout = { margin: { l: 60, r: 20, t: 10, b: 40 }, height: 380, shapes: shapes, legend: { orientation: "h", y: -0.18 },
      yaxis: { title: { text: "serum progesterone (" + label + ")" }, rangemode: "tozero" }, xaxis: { type: "date" },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff" };
    window.Plotly.react(holder, traces, layout, { displaylogo: false, responsive: true });
    holder.dataset.points = String(m.length);
    holder.dataset.unit = label;
  }

  document.querySelectorAll('input[name="unit"]').forEach(function (el) {
    el.addEventListener("change", function () { draw(el.value); });
  });
  draw("ng");
})();
