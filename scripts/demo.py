"""`make run` until the web app exists: a short tour of the CLI on real examples."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

LUTEA = str(Path(sys.executable).with_name("lutea"))
PDG_CSV = shlex.quote(str(Path(__file__).resolve().parents[1] / "examples" / "pdg_series.csv"))

STEPS = [
    ("The evidence behind everything lutea says", "evidence"),
    (
        "The classic 'day 21' progesterone in a 35-day cycle: mistimed, repeat on day 28",
        "interpret --value 18 --unit nmol/L --specimen serum --cycle-day 21 --cycle-length 35 --sampled 2026-11-20",
    ),
    (
        "Transfer-day serum progesterone in a programmed FET on vaginal progesterone, 8 ng/mL",
        "interpret --value 8 --unit ng/mL --protocol hrt-fet --route vaginal --dose-mg 400 --interval-h 12 "
        "--et-date 2026-11-20 --sampled 2026-11-20",
    ),
    (
        "Low progesterone at 6 weeks with bleeding and pain: triage before the number",
        "interpret --value 4 --unit ng/mL --pregnant --gestational-weeks 6+0 --symptoms bleeding,pain",
    ),
    ("Urine PdG after a positive LH test (examples/pdg_series.csv)", f"interpret-series {PDG_CSV}"),
    (
        "Threatened miscarriage (NICE NG126) with a peanut allergy and carbamazepine: red flags first, then the plan",
        "plan --scenario threatened-miscarriage --gestational-weeks 8 --symptoms bleeding,pain "
        "--previous-miscarriages 1 --intrauterine-confirmed --allergies peanut --medications carbamazepine",
    ),
    (
        "Bleeding at 8 weeks after 2 miscarriages, no scan yet (pregnancy of unknown location, NICE NG126): "
        "ectopic warning signs first, not eligible yet, scan and hCG 48 hours apart",
        "plan --scenario threatened-miscarriage --gestational-weeks 8 --symptoms bleeding --previous-miscarriages 2",
    ),
    (
        "Programmed FET on vaginal progesterone 400 mg q12h: 1000 virtual patients, share below 10 ng/mL "
        "on transfer day (P+5, 3 h after the morning dose)",
        'simulate --regimen "400 mg vaginal q12h x 14d from 2026-03-01T08:00+00:00" --days 14 '
        "--context hrt-fet --population 1000 --seed 1 --threshold 10 --threshold-at-h 123",
    ),
    (
        "The same patient measured low on day 5: her own PK from one level, and the regimens that reach 10 ng/mL",
        'individualize --regimen "400 mg vaginal q12h from 2026-03-01T08:00" --level "2026-03-05T09:00=7.1 ng/mL" '
        '--weight-kg 72 --context hrt-fet --target "ge 10 ng/mL at 2026-03-06T10:00"',
    ),
]


def main() -> int:
    for title, args in STEPS:
        print(f"\n=== {title}\n$ lutea {args}", flush=True)
        result = subprocess.run([LUTEA, *shlex.split(args)])
        if result.returncode not in (0,):
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
