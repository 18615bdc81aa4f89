"""`make run`: the lutea API on http://127.0.0.1:8000 with SQLite, after seeding demo accounts.

Seeding is idempotent: a demo admin, a demo clinician and a demo patient (with a record of an
IVF cycle on vaginal progesterone) are created once; the credentials are printed every time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import uvicorn
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lutea.config import Settings
from lutea.regions import region_ids
from lutea.server import create_app
from lutea.store import crud, make_engine, make_sessionmaker, models, upgrade_to_head
from lutea.units import Specimen, to_canonical
from lutea.web.demo import seed_web_demo

HOST, PORT = "127.0.0.1", int(os.environ.get("LUTEA_PORT", "8000"))
ACCOUNTS = {
    "admin": ("admin@demo.lutea", "demo-admin-password"),
    "clinician": ("clinician@demo.lutea", "demo-clinician-password"),
    "patient": ("patient@demo.lutea", "demo-patient-password"),
}


def _seed_record(session: Session, patient: models.Patient) -> None:
    """A programmed frozen embryo transfer on Cyclogest 400 mg twice daily, with one result."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=8)
    episode = crud.add(
        session,
        models.Episode(
            patient_id=patient.id, kind="ivf-cycle", protocol="hrt-fet", start_date=(now - timedelta(days=22)).date(),
            et_date=(now - timedelta(days=3)).date(), embryo_age_days=5,
        ),
    )
    treatment = crud.add(
        session,
        models.Treatment(
            patient_id=patient.id, episode_id=episode.id, product="cyclogest", route="vaginal", dose_mg=400,
            schedule="400 mg vaginal q12h", start=start,
        ),
    )
    for i in range(16):
        crud.add(session, models.DoseEvent(
            patient_id=patient.id, treatment_id=treatment.id, taken_at=start + timedelta(hours=12 * i), dose_mg=400
        ))
    crud.add(session, models.Measurement(
        patient_id=patient.id, episode_id=episode.id, specimen="serum", analyte="progesterone", value=25.4,
        unit="nmol/L", value_canonical=to_canonical(25.4, "nmol/L", Specimen.SERUM), unit_canonical="ng/mL",
        assay="immunoassay", sampled_at=now - timedelta(days=3, hours=2), laboratory="Demo laboratory",
    ))
    crud.add(session, models.Symptom(
        patient_id=patient.id, episode_id=episode.id, symptom="breast-tenderness", severity=1,
        noted_at=now - timedelta(days=1),
    ))


def seed(settings: Settings) -> None:
    """Create the demo accounts and record once (nothing happens if they exist)."""
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine).begin() as session:
        if crud.get_user_by_email(session, ACCOUNTS["clinician"][0]) is None:
            patient = crud.add(session, models.Patient(display_name="Demo Patient"))
            _seed_record(session, patient)
            crud.create_user(session, *ACCOUNTS["admin"], "admin")
            clinician = crud.create_user(session, *ACCOUNTS["clinician"], "clinician")
            crud.create_user(session, *ACCOUNTS["patient"], "patient", patient.id)
            crud.assign(session, clinician, patient.id)
        seed_web_demo(session, ACCOUNTS["patient"][0], ACCOUNTS["clinician"][0])  # web app demo (lutea.web.demo)
    engine.dispose()


def main() -> None:
    try:
        settings = Settings()
    except ValidationError as exc:  # e.g. LUTEA_REGION=mars: say what is accepted, no traceback
        raise SystemExit("lutea: " + "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from None
    seed(settings)
    print(f"lutea web app on http://{HOST}:{PORT}/ (sign in with a demo account below)")
    print(f"lutea API on http://{HOST}:{PORT}/api/v1 (docs: /api/v1/docs), database {settings.database_url}")
    print(f"clinic region {settings.region} (emergency number and services in patient messages; "
          f"change with LUTEA_REGION={'|'.join(region_ids())} make run)")
    print("demo accounts (POST /api/v1/auth/token with username=email, password=...):")
    for role, (email, password) in ACCOUNTS.items():
        print(f"  {role:<9} {email:<22} {password}")
    print(f"  e.g. curl -s -d 'username={ACCOUNTS['clinician'][0]}&password={ACCOUNTS['clinician'][1]}' "
          f"http://{HOST}:{PORT}/api/v1/auth/token", flush=True)
    # uvicorn would believe X-Forwarded-For from 127.0.0.1 and rewrite the peer before lutea sees it;
    # lutea reads forwarding headers itself, from LUTEA_TRUSTED_PROXIES only (lutea.proxies)
    uvicorn.run(create_app(settings), host=HOST, port=PORT, log_level="info", proxy_headers=False)


if __name__ == "__main__":
    main()
