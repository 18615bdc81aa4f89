"""The FHIR shell's commands, `lutea import fhir|tracker` and `lutea export fhir`: FHIR R4 bundles
and tracker CSV files. lutea.command adds them to the `lutea` command beside the CLI's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lutea.errors import InputError
from lutea.terminal import domain_errors, fail, print_json

if TYPE_CHECKING:
    from lutea.config import Settings

import_app = typer.Typer(help="Import records: FHIR R4 bundles, tracker CSV exports.", no_args_is_help=True)
export_app = typer.Typer(help="Export records as FHIR R4.", no_args_is_help=True)


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    from lutea.store import make_engine, make_sessionmaker, upgrade_to_head

    upgrade_to_head(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("BUNDLE", f"cannot read {path}: {exc.strerror}", "a readable JSON file") from None
    except json.JSONDecodeError as exc:
        raise InputError("BUNDLE", f"{path} is not JSON (line {exc.lineno}: {exc.msg})", "a FHIR R4 JSON Bundle") from None


@import_app.command("fhir")
@domain_errors
def import_fhir(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 JSON Bundle (collection or transaction).")],
    patient: Annotated[int | None, typer.Option("--patient", help="Import into this patient record.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
) -> None:
    """Import a FHIR R4 bundle into the database of LUTEA_DATABASE_URL; all or nothing, and idempotent."""
    from lutea.config import Settings
    from lutea.fhir.importer import import_bundle
    from lutea.store import crud

    body = _read_json(bundle)
    with _sessions(Settings()).begin() as session:
        report = import_bundle(session, body, patient)
        crud.record_audit(session, user=None, action="import", patient_id=report.patient_id, record_type="fhir",
                          client_addr="cli")
    out = report.to_json()
    if as_json:
        print_json(out)
        return
    made = ", ".join(f"{len(ids)} {kind}" for kind, ids in out["created"].items()) or "nothing new"
    typer.echo(f"patient {out['patient_id']}{' (new)' if out['patient_created'] else ''}: created {made}; "
               f"{len(out['unchanged'])} unchanged")
    for item in out["unused"]:
        typer.echo(f"not used: {item['resource']} (entry {item['entry']}): {item['reason']}")
    for warning in out["warnings"]:
        typer.echo(f"warning: {warning}")


@export_app.command("fhir")
@domain_errors
def export_fhir(
    patient: Annotated[str, typer.Option("--patient", help="Patient record id, or an identifier system|value "
                                         "the record was imported with (https://ehr.example.org/mrn|MRN-40311).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the bundle here (default: stdout).")] = None,
) -> None:
    """Export a patient's record as a FHIR R4 Bundle, validated with fhir.resources (R4B models)."""
    from lutea.config import Settings
    from lutea.fhir.importer import export_patient
    from lutea.fhir.patient_ref import parse_patient_ref, unknown_identifier
    from lutea.records.access import operator_access
    from lutea.records.identifiers import patient_with_identifier

    ref = parse_patient_ref(patient, "--patient")
    settings = Settings()
    with _sessions(settings).begin() as session:
        patient_id = ref if isinstance(ref, int) else patient_with_identifier(session, *ref)
        if patient_id is None:
            raise InputError("--patient", unknown_identifier(*ref), "an identifier a record was imported with, or its id")
        bundle = export_patient(operator_access(session, patient_id, settings))
    if output is None:
        print_json(bundle)
        return
    output.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output} ({len(bundle['entry'])} resources)")


@import_app.command("tracker")
@domain_errors
def import_tracker(
    file: Annotated[Path, typer.Argument(help="CSV export of a tracker app.")],
    fmt: Annotated[str, typer.Option("--format", help="mira, inito, drip or generic (docs/fhir.md).")] = "generic",
    patient: Annotated[int | None, typer.Option("--patient", help="Also store PdG and symptoms in this record.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read daily tracker readings and apply the PdG ovulation-confirmation rule; with --patient store them."""
    from lutea.config import Settings
    from lutea.fhir.tracker import interpret_tracker, parse_tracker_csv
    from lutea.fhir.tracker_store import store_series
    from lutea.records.access import operator_access
    from lutea.store import crud

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"FILE: cannot read {file}: {exc.strerror}")
        return
    series = parse_tracker_csv(text, fmt, source=file.name)
    result = interpret_tracker(series)
    out: dict[str, Any] = {"format": fmt, "days": len(series.days), "lh_peak_on": series.lh_peak_on,
                           "ignored_columns": series.ignored_columns, "interpretation": result.to_json()}
    if patient is not None:
        with _sessions(Settings()).begin() as session:
            out["stored"] = store_series(operator_access(session, patient, Settings()), series)
            crud.record_audit(session, user=None, action="import", patient_id=patient, record_type="tracker",
                              client_addr="cli")
    if as_json:
        print_json(out)
        return
    typer.echo(f"{len(series.days)} days ({fmt}); LH peak {series.lh_peak_on or 'not found'}")
    for finding in result.findings:
        typer.echo(f"[{finding.severity.value}] {finding.code}: {finding.message}")
    if "stored" in out:
        typer.echo(f"stored in patient {patient}: {out['stored']}")
