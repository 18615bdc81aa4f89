// The regimen builder: redraws the population curve, band and threshold as the fields change.
(function () {
  var form = document.getElementById("sim-form");
  var holder = document.getElementById("sim-chart");
  var source = document.getElementById("sim-data");
  if (!form || !holder || !window.Plotly) { return; }

  function draw(r) {
    if (!r) { return; }
    var x = r.t_h.map(function (h) { return h / 24; });
    var traces = [
      { x: x, y: r.p95, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "95th" },
      { x: x, y: r.p5, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(11,79,138,0.18)", name: "5th to 95th percentile" },
      { x: x, y: r.median, mode: "lines", line: { color: "#0b4f8a", width: 2 }, name: "median" }
    ];
    var shapes = [];
    if (r.threshold !== null && r.threshold !== undefined) {
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: r.threshold, y1: r.threshold, line: { color: "#a4161a", dash: "dash", width: 2 } });
      traces.push({ x: [x[0]], y: [r.threshold], mode: "lines", line: { color: "#a4161a", dash: "dash" }, name: "threshold " + r.threshold + " ng/mL" });
    }
    var layout = { margin: { l: 60, r: 20, t: 10, b: 40 }, height: 380, shapes: shapes, legend: { orientation: "h", y: -0.2 },
      xaxis: { title: { text: "days from the first dose" } }, yaxis: { title: { text: "serum progesterone (ng/mL, " + (r.assay === "lcms" ? "LC-MS/MS" : r.assay) + ")" }, rangemode: "tozero" } };
    window.Plotly.react(holder, traces, layout, { displayModeBar: false, responsive: true });
    holder.dataset.points = String(r.median.length);
    document.getElementById("sim-regimen").textContent = r.regimen;
    document.getElementById("sim-below").textContent = r.fraction_below === null ? "-" : Math.round(r.fraction_below * 100) + "%";
    document.getElementById("sim-cmax").textContent = r.cmax + " ng/mL";
    document.getElementById("sim-trough").textContent = (r.cmin_ss === null ? "-" : r.cmin_ss) + " ng/mL";
    document.getElementById("sim-caveats").textContent = (r.caveats || []).join("; ");
  }

  // each problem beside its field (aria-describedby), the count in #sim-error
  function showErrors(errors) {
    form.querySelectorAll(".field").forEach(function (box) {
      var input = box.querySelector("input, select");
      if (!input) { return; }
      var name = input.name;
      var msg = document.getElementById("sim-" + name + "-msg");
      if (errors[name]) {
        if (!msg) { msg = document.createElement("p"); msg.id = "sim-" + name + "-msg"; input.insertAdjacentElement("afterend", msg); }
        msg.className = "error";
        msg.textContent = errors[name];
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", msg.id);
        box.classList.add("invalid");
      } else if (box.classList.contains("invalid")) {
        if (msg) { msg.remove(); }
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
        box.classList.remove("invalid");
      }
    });
    var count = Object.keys(errors).filter(function (k) { return k !== "_form"; }).length;
    document.getElementById("sim-error").textContent = errors._form ? errors._form
      : count ? count + " field(s) to correct: each message is beside its field." : "";
  }

  var pending = null;
  function refresh() {
    var query = new URLSearchParams(new FormData(form)).toString();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch("/simulate/curve.json?" + query, { signal: pending.signal, credentials: "same-origin" })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        showErrors(r.ok ? {} : (r.body.errors || { _form: r.body.problem }));
        if (r.ok) { draw(r.body); history.replaceState(null, "", "/simulate?" + query); }
      })
      .catch(function () {});
  }
  form.addEventListener("change", refresh);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); refresh(); });
  draw(JSON.parse(source.textContent));
})();
