"""`lutea interpret` and `lutea interpret-series`: a result (or a urine PdG series) read in context."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from lutea._interpret_rules import num
from lutea.cli._common import RegionOption, clinic_region, console
from lutea.context import make_context, resolve_progestogens, resolve_treatment
from lutea.errors import InputError
from lutea.fields import parse_day, parse_gestational_days, parse_moment, parse_number
from lutea.findings import Finding
from lutea.interpret import interpret as interpret_result
from lutea.measurement import Measurement
from lutea.regions import fill_contacts
from lutea.terminal import domain_errors, print_json

_STYLE = {"urgent": "bold white on red", "advise": "bold yellow", "info": "cyan"}
Opt = typer.Option


def _print(findings: tuple[Finding, ...], region_id: str) -> None:
    for f in findings:
        console.print(f"[{_STYLE[f.severity.value]}]{f.severity.value.upper()}[/] [bold]{f.code}[/]")
        console.print(f"  {fill_contacts(f.patient_message, region_id)}")
        console.print(f"  [dim]clinician:[/] {f.message}")
        console.print(f"  [dim]sources: {', '.join(f.sources)}[/]")
        if f.claims:
            console.print(f"  [dim]claims checked (lutea claims ID): {', '.join(f.claims)}[/]")


@domain_errors
def interpret(
    value: Annotated[str | None, Opt("--value", metavar="NUMBER", help="The measured value.")] = None,
    unit: Annotated[str, Opt("--unit", help="ng/mL or nmol/L (serum), pg/mL or pmol/L (saliva), ug/mL (urine PdG).")] = "ng/mL",
    specimen: Annotated[str, Opt("--specimen", help="serum, plasma, saliva or urine.")] = "serum",
    assay: Annotated[str | None, Opt("--assay", help="immunoassay or lcms.")] = None,
    sampled: Annotated[str | None, Opt("--sampled", metavar="DATE|TIME", help="Sampling date (YYYY-MM-DD) or time with offset.")] = None,
    cycle_day: Annotated[str | None, Opt("--cycle-day", metavar="NUMBER", help="Cycle day of the sample (day 1 = first day of the period).")] = None,
    cycle_length: Annotated[str | None, Opt("--cycle-length", metavar="NUMBER", help="Usual cycle length in days.")] = None,
    lmp: Annotated[str | None, Opt("--lmp", metavar="DATE", help="First day of the last period (YYYY-MM-DD).")] = None,
    days_after_lh: Annotated[str | None, Opt("--days-after-lh", metavar="NUMBER", help="Days after the LH peak / positive LH test.")] = None,
    lh_date: Annotated[str | None, Opt("--lh-date", metavar="DATE", help="Date of the positive LH test (YYYY-MM-DD).")] = None,
    pregnant: Annotated[bool, Opt("--pregnant", help="Pregnant.")] = False,
    pregnancy_location: Annotated[str | None, Opt(
        "--pregnancy-location", help="With --pregnant: intrauterine, unknown (not yet seen on a scan) or ectopic.")] = None,
    gestational_weeks: Annotated[str | None, Opt("--gestational-weeks", metavar="W[+D]", help="Gestational age at sampling: 7.3 or 7+2.")] = None,
    scan_date: Annotated[str | None, Opt("--scan-date", metavar="DATE", help="Date of a dating scan.")] = None,
    scan_ga: Annotated[str | None, Opt("--scan-ga", metavar="W+D", help="Gestational age the dating scan gave (7+2).")] = None,
    symptoms: Annotated[str | None, Opt("--symptoms", metavar="LIST", help="Comma-separated symptoms, e.g. bleeding,pain.")] = None,
    postmenopausal: Annotated[bool, Opt("--postmenopausal", help="Postmenopausal.")] = False,
    sex: Annotated[str, Opt("--sex", help="female or male.")] = "female",
    protocol: Annotated[str | None, Opt("--protocol", help="IVF protocol: hrt-fet, natural-fet or fresh.")] = None,
    et_date: Annotated[str | None, Opt("--et-date", metavar="DATE", help="Embryo-transfer date (YYYY-MM-DD).")] = None,
    embryo_age_days: Annotated[str | None, Opt("--embryo-age-days", metavar="NUMBER", help="Embryo age at transfer: 3 or 5 (blastocyst).")] = None,
    product: Annotated[str | None, Opt("--product", help="Progesterone or progestogen product, e.g. utrogestan, duphaston (see products.yaml).")] = None,
    with_progestogen: Annotated[str | None, Opt("--with-progestogen", metavar="LIST", help="Synthetic progestogens taken as well as --product, comma-separated, e.g. duphaston.")] = None,
    route: Annotated[str | None, Opt("--route", help="Progesterone route: oral, vaginal, im, sc ...")] = None,
    dose_mg: Annotated[str | None, Opt("--dose-mg", metavar="NUMBER", help="Progesterone dose in mg.")] = None,
    interval_h: Annotated[str | None, Opt("--interval-h", metavar="NUMBER", help="Dosing interval in hours.")] = None,
    last_dose: Annotated[str | None, Opt("--last-dose", metavar="TIME", help="Time of the last dose, with offset.")] = None,
    treatment_start: Annotated[str | None, Opt("--treatment-start", metavar="DATE|TIME", help="Day the progesterone started, or the time of the first dose with offset (default: long enough for steady state).")] = None,
    region: RegionOption = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Interpret one progesterone result in its context (cycle, LH, pregnancy, menopause, treatment, IVF)."""
    region_id = clinic_region(region)
    if value is None:
        raise InputError("value", "missing", "--value NUMBER with --unit")
    last = parse_moment(last_dose, "last_dose")
    if isinstance(last, date) and not isinstance(last, datetime):
        raise InputError("last_dose", "needs a time of day", "YYYY-MM-DDTHH:MM+00:00")
    scan_on = parse_day(scan_date, "scan_date")
    sex_key = sex.strip().lower()
    if sex_key not in ("female", "male"):
        raise InputError("sex", f"unknown sex {sex!r}", "female, male")
    protocol_key = protocol.strip().lower() if protocol else None
    if protocol_key not in (None, "hrt-fet", "natural-fet", "fresh"):
        raise InputError("protocol", f"unknown protocol {protocol!r}", "hrt-fet, natural-fet, fresh")
    measurement = Measurement(value=parse_number(value, "value"), unit=unit, specimen=specimen, assay=assay,  # type: ignore[arg-type]
                              sampled_at=parse_moment(sampled, "sampled"))
    treatment = resolve_treatment(product, route, parse_number(dose_mg, "dose_mg"), parse_number(interval_h, "interval_h"), last,  # type: ignore[arg-type]
                                  started_at=parse_moment(treatment_start, "treatment_start"))
    context = make_context(
        cycle_day=parse_number(cycle_day, "cycle_day", integer=True),
        cycle_length_days=parse_number(cycle_length, "cycle_length", integer=True),
        lmp=parse_day(lmp, "lmp"), days_after_lh=parse_number(days_after_lh, "days_after_lh", integer=True),
        lh_peak_on=parse_day(lh_date, "lh_date"), pregnant=pregnant,
        pregnancy_location=pregnancy_location.strip().lower() if pregnancy_location else None,
        gestational_weeks=None if gestational_weeks is None else parse_gestational_days(gestational_weeks, "gestational_weeks") / 7,
        scan_on=scan_on, scan_gestational_days=parse_gestational_days(scan_ga, "scan_ga"),
        postmenopausal=postmenopausal, sex=sex_key, protocol=protocol_key,
        et_date=parse_day(et_date, "et_date"), embryo_age_days=parse_number(embryo_age_days, "embryo_age_days", integer=True),
        treatment=treatment, symptoms=tuple(s for s in (symptoms or "").split(",") if s.strip()),
        progestogens=resolve_progestogens((with_progestogen or "").split(",")),
    )
    result = interpret_result(measurement, context)
    if as_json:
        print_json(result.to_json(), region_id)
        return
    shown = ", ".join(f"{num(v)} {k.replace('_', '/').replace('ml', 'mL').replace('/l', '/L')}" for k, v in result.value.items())
    console.print(f"[bold]{shown}[/] ({measurement.specimen.value})")
    derived = {k: v for k, v in result.context.items() if k in ("cycle_day", "days_from_lh_peak", "phase", "in_mid_luteal_window",
                                                                 "expected_next_menses", "gestational_age", "days_from_transfer",
                                                                 "hours_since_last_dose", "doses_since_start")}
    if derived:
        console.print("context: " + ", ".join(f"{k}={v}" for k, v in derived.items()))
    ri = result.reference_interval
    if ri:
        console.print(f"reference interval: {ri['label']} [{ri['assay']}] ({', '.join(ri['sources'])})")
    if result.flag is not None:  # the flag a lab viewer shows (FHIR Observation.interpretation)
        console.print(f"flag: {result.flag.code} against {result.flag.label}" if result.flag.code
                      else "flag: none (no reference interval or cut-off applies)", markup=False)
    _print(result.findings, region_id)
    console.print(f"[dim]knowledge base {result.knowledge_version}[/]")


@domain_errors
def interpret_series(
    file: Annotated[Path, typer.Argument(help="CSV with columns date,pdg,unit[,lh]; one reading a day.")],
    lh_date: Annotated[str | None, Opt("--lh-date", metavar="DATE", help="LH peak date, if not marked in the file.")] = None,
    region: RegionOption = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Confirm ovulation from a daily urine PdG series after the LH surge (columns: date, pdg, unit, lh)."""
    from rich.table import Table

    from lutea.series import interpret_series as read_series
    from lutea.series import parse_pdg_csv

    region_id = clinic_region(region)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("file", f"cannot read {str(file)!r} ({exc.strerror})", "a readable CSV file") from None
    result = read_series(parse_pdg_csv(text, source=file.name), lh_peak_on=parse_day(lh_date, "lh_date"))
    if as_json:
        print_json(result.to_json(), region_id)
        return
    table = Table(title=f"urine PdG, LH peak {result.lh_peak_on or 'unknown'}")
    for column in ("date", "PdG ug/mL", "LH", "days after LH", "counted", ">= threshold"):
        table.add_column(column)
    for r in result.readings:
        lh = {True: "positive", False: "negative", None: ""}[r["lh_positive"]]
        after = "" if r["days_after_lh"] is None else f"{r['days_after_lh']:+d}"
        table.add_row(r["date"], f"{r['ug_ml']:g}", lh, after, "yes" if r["counted"] else "", "yes" if r["positive"] else "")
    console.print(table)
    _print(result.findings, region_id)
    console.print(f"[dim]knowledge base {result.knowledge_version}[/]")
