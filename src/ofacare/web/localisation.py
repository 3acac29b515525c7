"""Dates, times and temperatures the way the reader expects them, and the translation catalogue.

Every string on a page goes through gettext (`_` in templates), so `make messages` can extract
them into locale/messages.pot for translators. Dates are formatted by Babel for the locale; the
region comes from the patient's country so a British patient reads 2 March and an American one
March 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en",)
"""Languages with a catalogue; English is the source language."""
FAHRENHEIT_COUNTRIES = frozenset({"US", "LR", "FM", "MH", "PW", "BS", "BZ", "KY"})
"""Countries whose everyday temperatures are in °F (not a clinical fact: a display habit)."""


@dataclass(frozen=True, slots=True)
class Reader:
    """How to write for one reader: their language, region and timezone."""

    language: str = DEFAULT_LANGUAGE
    country: str | None = None
    timezone: str = "UTC"

    @property
    def locale(self) -> Locale:
        return _locale(self.language, self.country)

    @property
    def fahrenheit(self) -> bool:
        return self.country in FAHRENHEIT_COUNTRIES

    def day(self, value: date, style: str = "medium") -> str:
        """A date: 'medium' (2 Mar 2026), 'long' (2 March 2026) or 'full' (with the weekday)."""
        return format_date(value, format=style, locale=self.locale)

    def weekday(self, value: date) -> str:
        return format_date(value, format="EEEE", locale=self.locale)

    def month(self, value: date) -> str:
        return format_date(value, format="LLLL y", locale=self.locale)

    def moment(self, value: datetime, style: str = "medium") -> str:
        """An aware datetime in the reader's timezone, with date and time."""
        zone = ZoneInfo(self.timezone)
        return format_datetime(value, format=style, tzinfo=zone, locale=self.locale)

    def clock(self, value: datetime) -> str:
        """The local time of day of an aware datetime (09:30, or 9:30 AM)."""
        zone = ZoneInfo(self.timezone)
        return format_time(value, format="short", tzinfo=zone, locale=self.locale)

    def local(self, value: datetime) -> datetime:
        return value.astimezone(ZoneInfo(self.timezone))

    def temperature(self, celsius: float) -> str:
        """A temperature in the reader's unit, rounded as a thermometer shows it."""
        if self.fahrenheit:
            return f"{round(celsius * 9 / 5 + 32)} °F"
        return f"{celsius:g} °C"


@cache
def _locale(language: str, country: str | None) -> Locale:
    if country:
        try:
            return Locale.parse(f"{language}_{country}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(language)


def choose_language(accept_language: str | None) -> str:
    """The first language of the Accept-Language header that has a catalogue."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_").split("_")[0].lower()
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language`; English (the source) needs none."""
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def N_(text: str) -> str:  # noqa: N802  (the name gettext tools look for)
    """Mark a string in Python code for the catalogue; templates translate it when shown."""
    return text
