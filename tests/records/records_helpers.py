"""Helpers of the records tests."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from lutea.config import Settings
from lutea.records import RecordAccess, open_record
from lutea.store import models


def open_as(session: Session, sessions: sessionmaker[Session], settings: Settings, user_id: int,
            patient_id: int) -> RecordAccess:
    return open_record(session, session.get(models.User, user_id), patient_id, settings, client_addr="test")
