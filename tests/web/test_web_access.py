"""Access and security in the browser: a patient sees only their own record, in plain language and
without dose options; forms without the CSRF token are refused; the session cookie's flags."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import BrowserContext, Page, expect
from web_helpers import add_symptom, login, shot


def test_patient_cannot_open_another_patients_page(page: Page, world) -> None:
    login(page, world.patient)
    assert page.url.endswith(f"/patients/{world.patient_id}")
    response = page.goto(f"/patients/{world.other_patient_id}")
    assert response is not None and response.status == 403
    expect(page.locator("#refusal")).to_contain_text("no access")
    expect(page.get_by_text("Beatrice Web")).to_have_count(0)
    shot(page, "patient-refused")
    refused = page.request.get(f"/patients/{world.other_patient_id}/report.pdf")
    assert refused.status == 403


def test_patient_timeline_is_plain_language_without_dose_options(page: Page, world) -> None:
    login(page, world.patient)
    expect(page.get_by_role("heading", name="What your results mean")).to_be_visible()
    # the patient message of the route caveat, not the clinician's
    expect(page.locator("#findings")).to_contain_text("reaches the womb directly")
    expect(page.locator("#findings")).not_to_contain_text("first uterine pass effect")
    expect(page.locator("#treatments-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Simulate")).to_have_count(0)
    expect(page.get_by_text("400 mg")).to_have_count(0)
    token = page.locator('#symptoms-form input[name="csrf_token"]').input_value()
    refused = page.request.post(f"/patients/{world.patient_id}/treatments", form={
        "csrf_token": token, "product": "cyclogest", "route": "vaginal", "dose_mg": "800",
        "schedule": "800 mg vaginal q12h", "start": "2026-01-02T08:00"})
    assert refused.status == 403  # patients add no treatment (no dose options) on the web
    assert page.goto("/simulate").status == 403
    assert page.goto(f"/patients/{world.patient_id}/balance").status == 403
    page.goto("/plan/ivf-luteal-support")
    page.get_by_label("Cycle type").select_option(index=1)
    page.get_by_role("button", name="Show the plan").click()
    expect(page.locator("#plan-result")).to_be_visible()
    expect(page.locator("#plan-result")).not_to_contain_text(" mg every ")  # the patient plan has no doses
    page.goto(f"/patients/{world.patient_id}")
    shot(page, "patient-timeline")


def test_red_flag_symptom_raises_the_triage_banner(page: Page, world) -> None:
    login(page, world.patient)
    expect(page.locator("#triage-banner")).to_have_count(0)
    # a red flag on hormone treatment (red_flags.yaml)
    add_symptom(page, "swollen-leg", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"), severity="2")
    banner = page.locator("#triage-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading")).to_have_text("Get help now")
    shot(page, "patient-triage-banner")


def test_form_post_without_csrf_token_is_refused(page: Page, context: BrowserContext, world) -> None:
    login(page, world.clinician)
    body = {"specimen": "serum", "value": "7", "unit": "ng/mL", "sampled_at": "2026-01-02T08:00"}
    missing = page.request.post(f"/patients/{world.patient_id}/measurements", form=body)
    assert missing.status == 403
    assert "CSRF" in missing.text()
    wrong = page.request.post(f"/patients/{world.patient_id}/measurements", form={**body, "csrf_token": "forged"})
    assert wrong.status == 403
    page.goto(f"/patients/{world.patient_id}")
    expect(page.locator("#results-table")).not_to_contain_text("2026-01-02 08:00")
    logout = page.request.post("/logout", form={})
    assert logout.status == 403


def test_session_cookie_is_httponly_and_samesite(page: Page, context: BrowserContext, world) -> None:
    login(page, world.clinician)
    cookie = next(c for c in context.cookies() if c["name"] == "lutea_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # http on localhost only
    assert page.evaluate("document.cookie") == ""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.goto(f"/patients/{world.patient_id}").url.endswith(f"/login?next=/patients/{world.patient_id}")


def test_wrong_password_is_refused(page: Page, world) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(world.clinician)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")


def test_a_patient_cannot_remove_results(page: Page, world) -> None:
    login(page, world.patient)
    page.goto(f"/patients/{world.patient_id}")
    expect(page.locator("#results-table")).to_be_visible()
    expect(page.locator("#results-table").get_by_role("link", name="Remove")).to_have_count(0)
    refused = page.goto(f"/patients/{world.patient_id}/measurements/1/remove")
    assert refused.status == 403
    expect(page.locator("#refusal")).to_contain_text("Only a clinician")


def test_a_session_cookie_replayed_after_sign_out_opens_nothing(page: Page, context: BrowserContext, browser,
                                                                  world) -> None:
    """The probe: a cookie copied before sign-out still opened /home afterwards. The replay is audited."""
    start = max([r[0] for r in _audit_rows(world)] or [0])
    login(page, world.clinician)
    copied = [c for c in context.cookies() if c["name"] == "lutea_session"]
    elsewhere = browser.new_context(base_url=world.base_url)  # a second browser holding the same cookie
    elsewhere.add_cookies(copied)
    other_page = elsewhere.new_page()
    assert other_page.goto("/home").url.endswith("/home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    replay = browser.new_context(base_url=world.base_url)
    replay.add_cookies(copied)
    replayed = replay.new_page()
    assert replayed.goto("/home").url.endswith("/login?next=/home")
    assert other_page.goto("/home").url.endswith("/login?next=/home")  # every session of the account ended
    replay.close()
    elsewhere.close()
    rows = [(action, email, path) for _, action, email, _, path in _audit_rows(world, start)
            if action in ("logout", "unauthenticated")]
    assert rows == [("logout", world.clinician, "/logout")] + [("unauthenticated", world.clinician, "/home")] * 2


def test_opening_the_login_page_signs_nobody_out(page: Page, world) -> None:
    login(page, world.clinician)
    page.goto("/login")
    assert page.goto("/home").url.endswith("/home")


def _audit_rows(world, since_id: int = 0) -> list[tuple]:
    from sqlalchemy import select

    from lutea.store import make_engine, make_sessionmaker, models

    engine = make_engine(world.database_url)
    with make_sessionmaker(engine)() as session:
        rows = [(r.id, r.action, r.user_email, r.client_addr, r.path) for r in session.scalars(
            select(models.AuditEvent).where(models.AuditEvent.id > since_id).order_by(models.AuditEvent.id))]
    engine.dispose()
    return rows


def test_web_sign_ins_and_refusals_are_audited_with_the_peer_address(page: Page, context: BrowserContext,
                                                                      world) -> None:
    """The probe: failed logins left no audit row, and audit rows took X-Forwarded-For at its word."""
    start = max([r[0] for r in _audit_rows(world)] or [0])
    context.set_extra_http_headers({"X-Forwarded-For": "192.0.2.66"})
    page.goto("/login")
    page.get_by_label("Email").fill(world.patient)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    login(page, world.patient)
    assert page.goto("/simulate").status == 403  # clinicians only
    rows = [(action, email, addr, path) for _, action, email, addr, path in _audit_rows(world, start)
            if action in ("login-failed", "login", "deny")]
    assert rows == [("login-failed", world.patient, "127.0.0.1", "/login"), ("login", world.patient, "127.0.0.1", "/login"),
                    ("deny", world.patient, "127.0.0.1", "/simulate")]
