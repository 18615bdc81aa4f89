"""A printable PDF of a patient's timeline and findings: the chart drawn by matplotlib's PDF
backend, then the findings (urgent first) as wrapped text pages."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from fastapi import APIRouter, Path  # noqa: E402
from fastapi.responses import Response  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from lutea.knowledge import load_knowledge  # noqa: E402
from lutea.records.inputs import MAX_ID  # noqa: E402
from lutea.regions import DEFAULT_REGION, fill_contacts  # noqa: E402
from lutea.web.access import ViewerDep, open_patient  # noqa: E402
from lutea.web.templating import page_region  # noqa: E402
from lutea.web.timeline import TimelineView, build_timeline  # noqa: E402

router = APIRouter()
A4 = (8.27, 11.69)
LINES_PER_PAGE = 60
WRAP = 100


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _chart(ax: plt.Axes, chart: dict) -> None:
    curve = chart.get("curve")
    if curve:
        times = [_t(t) for t in curve["t"]]
        ax.fill_between(times, curve["low"], curve["high"], color="#9ecae1", alpha=0.5, label=f"{curve['kind']} 90% band")
        ax.plot(times, curve["median"], color="#08519c", lw=1.2, label=curve["label"])
        own = curve.get("endogenous")
        if own:  # her own level, which the curve includes
            ax.fill_between(times, 0, own["median_ng_ml"], color="#01665e", alpha=0.15, label=own["label"])
    for band in chart["bands"]:
        if band["high"] is not None:
            ax.fill_between([_t(band["t0"]), _t(band["t1"])], band["low"], band["high"], color="#74c476", alpha=0.35)
    pts = chart["measurements"]
    if pts:
        ax.plot([_t(p["t"]) for p in pts], [p["ng_ml"] for p in pts], "o", color="#a50f15", label="measured")
    doses = chart["doses"]
    if doses:
        ax.plot([_t(d["t"]) for d in doses], [0] * len(doses), "|", color="#54278f", ms=10, label="doses")
    ax.set_ylabel("serum progesterone (ng/mL)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.tick_params(axis="x", rotation=30)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left")


def _text_lines(view: TimelineView, role: str, region_id: str) -> list[str]:
    lines = []
    if view.red_flags:
        lines.append("RED FLAGS - ACT NOW")
        for f in view.red_flags:
            action = f.action if f.action and f.action not in f.text else ""  # a patient's text includes it
            text = f"[urgent] {f.title}: {f.text} {action} (sources: {', '.join(f.sources)})"
            lines += textwrap.wrap(fill_contacts(text, region_id), WRAP)
        lines.append("")
    lines.append("Findings (urgent first)")
    for c in view.cards:
        text = f"[{c.severity}] {c.about}: {c.message} (sources: {', '.join(c.sources)})"
        lines += textwrap.wrap(fill_contacts(text, region_id), WRAP)
    lines += ["", "Results"]
    for m in view.measurements:
        lines.append(f"  {m.sampled_at:%Y-%m-%d %H:%M} UTC  {m.value:g} {m.unit} ({m.specimen}, {m.assay})")
    if view.treatments:
        lines += ["", "Treatments"]
        for t in view.treatments:
            dose = "" if role == "patient" else f" {t.dose_mg:g} mg, {t.schedule}"
            lines.append(f"  {t.start:%Y-%m-%d} {view.product_names.get(t.product, t.product)} ({t.route}){dose}")
    return lines


def timeline_pdf(view: TimelineView, role: str, region_id: str = DEFAULT_REGION) -> bytes:
    """The report as PDF bytes: one chart page, then the findings and results as text, with the
    services of the clinic's region (lutea.regions)."""
    buffer = io.BytesIO()
    created = datetime.now(UTC)
    with PdfPages(buffer, metadata={"Title": f"lutea report: {view.patient.display_name}", "Creator": "lutea"}) as pdf:
        fig = plt.figure(figsize=A4)
        fig.text(0.08, 0.96, f"lutea report: {view.patient.display_name}", fontsize=14, weight="bold")
        fig.text(0.08, 0.94, f"created {created:%Y-%m-%d %H:%M} UTC; knowledge base {load_knowledge().version}. "
                 "Decision support, not a diagnosis or a prescription.", fontsize=8)
        _chart(fig.add_axes((0.1, 0.55, 0.85, 0.35)), view.chart)
        lines = _text_lines(view, role, region_id)
        pages = [lines[:LINES_PER_PAGE // 2]] + [lines[i:i + LINES_PER_PAGE]
                                                 for i in range(LINES_PER_PAGE // 2, len(lines), LINES_PER_PAGE)]
        fig.text(0.08, 0.47, "\n".join(pages[0]), fontsize=7, va="top", family="monospace")
        pdf.savefig(fig)
        plt.close(fig)
        for page in pages[1:]:
            fig = plt.figure(figsize=A4)
            fig.text(0.08, 0.96, "\n".join(page), fontsize=7, va="top", family="monospace")
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()


@router.get("/patients/{patient_id}/report.pdf")
def report(view: ViewerDep, patient_id: int = Path(ge=1, le=MAX_ID)) -> Response:
    access, patient = open_patient(view, patient_id)
    view_data = build_timeline(view.db, patient, view.user.role)
    access.audit("export", "report")  # the record leaves lutea as a file
    return Response(timeline_pdf(view_data, view.user.role, page_region(view.request)), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="lutea-patient-{patient_id}.pdf"'})
