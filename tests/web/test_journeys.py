"""Journeys across pages in the browser: a caregiver is invited, sets up their account and logs
a dose for the patient, and the patient sees it; each page on the way passes axe."""

from __future__ import annotations

from sqlalchemy import select

from ofacare.records.tables import Injection
from ofacare.services.setup import DemoAccount
from tests.web.conftest import PHONE, LiveServer, check_accessibility, sign_in

HELPER_EMAIL = "jamie.helper@example.org"
HELPER_PASSWORD = "river lamp orange gate"


def test_a_caregiver_is_invited_sets_up_their_account_and_logs_a_dose_in_the_arm(
    page,  # type: ignore[no-untyped-def]
    browser,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
) -> None:
    sign_in(page, demo["patient"])
    home = page.url
    page.goto(home + "/settings/caregivers")
    page.get_by_label("Their email address").fill(HELPER_EMAIL)
    page.get_by_role("button", name="Invite and show the code").click()
    code = page.locator("#invitation-code").inner_text().strip()
    check_accessibility(page)

    helper = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
    tab = helper.new_page()
    tab.goto("/invitation")
    tab.get_by_label("Invitation code").fill(code)
    tab.get_by_label("Your name").fill("Jamie")
    tab.get_by_label("Choose a password").fill(HELPER_PASSWORD)
    tab.get_by_role("button", name="Set up my account").click()
    tab.get_by_role("heading", name="You are set up").wait_for()
    check_accessibility(tab)
    tab.goto("/sign-in")
    tab.get_by_label("Email address").fill(HELPER_EMAIL)
    tab.get_by_label("Password").fill(HELPER_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(home)
    assert "Record of Alex Morgan" in tab.content()

    tab.get_by_role("link", name="Log injection").first.click()
    tab.locator("#who-caregiver").check()
    tab.locator("#site-upper-arm-left").check()
    tab.get_by_role("button", name="Save injection").click()
    tab.get_by_role("heading", name="Saved").wait_for()
    assert "Next: dose 4" in tab.content()
    helper.close()

    page.goto(home)
    assert "dose 4" in page.content().lower()
    with live_server.runtime.database.reading() as session:
        logged = session.scalars(select(Injection).order_by(Injection.dose_number)).all()
    third = [i for i in logged if i.dose_number == 3 and i.patient_id == home.rsplit("/", 1)[1]]
    assert len(third) == 1
    assert (third[0].site, third[0].injected_by) == ("upper-arm-left", "caregiver")


def test_a_patient_signs_in_and_logs_a_dose_with_the_keyboard_alone_seeing_where_focus_is(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
    demo: dict[str, DemoAccount],
) -> None:
    account = demo["patient"]
    page.goto("/sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.get_by_label("Email address").focus()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/p/*")

    for _ in range(40):  # Tab along the page to the first "Log this injection" control
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent || ''").strip()
        if focused.startswith("Log this injection"):
            break
    else:
        raise AssertionError("the overdue banner's button cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Log an injection").wait_for()
    page.get_by_role("button", name="Save injection").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Saved").wait_for()
    assert "Next: dose 4" in page.content()
