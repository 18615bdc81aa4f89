"""The menstrual cycle as days from the LH peak: phase, mid-luteal window, best test day.

Pure functions over the cycle-timing facts in the knowledge base (cycle_timing.yaml), so the
interpretation and the PK baseline place a cycle day the same way. Day 0 is the LH peak; cycle
day 1 is the first day of the period; the next period is expected on cycle day length + 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lutea.errors import InputError
from lutea.knowledge import KnowledgeBase, load_knowledge

Phase = Literal["follicular", "peri-ovulatory", "luteal"]
PHASES: tuple[Phase, ...] = ("follicular", "peri-ovulatory", "luteal")


@dataclass(frozen=True)
class CycleModel:
    """Cycle-timing facts in days, with the source ids they rest on."""

    lh_peak_to_ovulation_days: float
    luteal_phase_days: float
    phase_windows: dict[Phase, tuple[float, float]]
    mid_luteal_window: tuple[float, float]
    mid_luteal_target_days_after_lh: float
    sources: tuple[str, ...]

    @property
    def lh_peak_to_next_menses_days(self) -> float:
        """Days from the LH peak to the first day of the next period (ovulation + luteal phase)."""
        return self.lh_peak_to_ovulation_days + self.luteal_phase_days


def cycle_model(kb: KnowledgeBase | None = None) -> CycleModel:
    """The cycle model read from the knowledge base's cycle_timing section."""
    kb = kb or load_knowledge()

    def entry(ident: str):  # noqa: ANN202 - a CycleTiming entry
        return kb.get("cycle_timing", ident)

    windows: dict[Phase, tuple[float, float]] = {p: entry(f"phase-{p}").window_days for p in PHASES}
    ids = ["lh-peak-to-ovulation", "luteal-phase-length", "mid-luteal-window", "mid-luteal-target"]
    ids += [f"phase-{p}" for p in PHASES]
    sources = sorted({s for i in ids for s in entry(i).sources})
    return CycleModel(
        lh_peak_to_ovulation_days=entry("lh-peak-to-ovulation").days,
        luteal_phase_days=entry("luteal-phase-length").days,
        phase_windows=windows,
        mid_luteal_window=entry("mid-luteal-window").window_days,
        mid_luteal_target_days_after_lh=entry("mid-luteal-target").days,
        sources=tuple(sources),
    )


def _check_cycle(cycle_day: int, cycle_length_days: int) -> None:
    if cycle_length_days < 1:
        raise InputError("cycle_length", f"{cycle_length_days} is not a cycle length", "a whole number of days >= 1")
    if cycle_day < 1:
        raise InputError("cycle_day", f"{cycle_day} is not a cycle day", "a whole number >= 1 (day 1 = first day of the period)")


def lh_peak_cycle_day(cycle_length_days: int, model: CycleModel | None = None) -> int:
    """Expected cycle day of the LH peak: day 14 of a 28-day cycle, day 21 of a 35-day cycle."""
    model = model or cycle_model()
    return round(cycle_length_days + 1 - model.lh_peak_to_next_menses_days)


def days_from_lh_peak(cycle_day: int, cycle_length_days: int, model: CycleModel | None = None) -> int:
    """Days from the expected LH peak for a cycle day in a cycle of the usual length (negative before)."""
    _check_cycle(cycle_day, cycle_length_days)
    return cycle_day - lh_peak_cycle_day(cycle_length_days, model)


def phase_at(days_from_lh: int, model: CycleModel | None = None) -> Phase | None:
    """Cycle phase at a number of days from the LH peak; None beyond the luteal phase."""
    model = model or cycle_model()
    for phase in PHASES:
        low, high = model.phase_windows[phase]
        if low <= days_from_lh <= high:
            return phase
    return None


def in_mid_luteal_window(days_from_lh: int, model: CycleModel | None = None) -> bool:
    """Whether a sample lies in the mid-luteal window (LH+5 to LH+9)."""
    model = model or cycle_model()
    low, high = model.mid_luteal_window
    return low <= days_from_lh <= high


def mid_luteal_target_cycle_day(cycle_length_days: int, model: CycleModel | None = None) -> int:
    """Best cycle day for an ovulation test: day 21 of a 28-day cycle, day 28 of a 35-day cycle."""
    model = model or cycle_model()
    return lh_peak_cycle_day(cycle_length_days, model) + round(model.mid_luteal_target_days_after_lh)
