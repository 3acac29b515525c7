"""The body map of the injection page: a front view with the six injection areas.

This module holds the picture's geometry and what each area shows (suggested, used last time,
for someone else only); templates/patient/inject_body_map.html draws it as inline SVG so every
word in it goes through the catalogue. The picture is a convenience for pointing: the radio
buttons beside it are the control, and the words say everything the colours and hatching say.

Seen from the front, the person's right side is on the left of the picture, and the picture's
labels say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ofacare.handling.sites import Injector, Site, allowed_sites
from ofacare.web.localisation import N_

VIEW_BOX = "0 0 260 400"
SITE_NAMES: dict[Site, str] = {
    Site.THIGH_LEFT: N_("Front of left thigh"),
    Site.THIGH_RIGHT: N_("Front of right thigh"),
    Site.ABDOMEN_LEFT: N_("Left side of lower belly"),
    Site.ABDOMEN_RIGHT: N_("Right side of lower belly"),
    Site.UPPER_ARM_LEFT: N_("Outer left upper arm"),
    Site.UPPER_ARM_RIGHT: N_("Outer right upper arm"),
}
# x, y, width, height in the view box; the person's right is on the picture's left.
_BOXES: dict[Site, tuple[int, int, int, int]] = {
    Site.UPPER_ARM_RIGHT: (46, 78, 38, 84),
    Site.UPPER_ARM_LEFT: (176, 78, 38, 84),
    Site.ABDOMEN_RIGHT: (90, 158, 38, 50),
    Site.ABDOMEN_LEFT: (132, 158, 38, 50),
    Site.THIGH_RIGHT: (90, 232, 38, 84),
    Site.THIGH_LEFT: (132, 232, 38, 84),
}


@dataclass(frozen=True, slots=True)
class MapArea:
    """One clickable area: where it is drawn and what it shows."""

    site: Site
    x: int
    y: int
    width: int
    height: int
    suggested: bool
    last: bool
    chosen: bool
    others_only: bool
    """Only when someone else injects (the upper arms)."""

    @property
    def name(self) -> str:
        return SITE_NAMES[self.site]

    @property
    def centre_x(self) -> int:
        return self.x + self.width // 2

    @property
    def centre_y(self) -> int:
        return self.y + self.height // 2


@dataclass(frozen=True, slots=True)
class BodyMap:
    """The picture's areas, the suggested site and the site used last time."""

    areas: tuple[MapArea, ...]
    suggested: Site
    last: Site | None
    view_box: str = VIEW_BOX


def build_body_map(
    *, suggested: Site, recent: Sequence[Site], chosen: Site | None = None
) -> BodyMap:
    """Lay out the areas, marking the suggested one, the last used (`recent`, newest first)
    and the one chosen on the form.

    >>> found = build_body_map(suggested=Site.THIGH_LEFT, recent=[Site.ABDOMEN_RIGHT])
    >>> [a.site.value for a in found.areas if a.suggested or a.last]
    ['abdomen-right', 'thigh-left']
    """
    last = recent[0] if recent else None
    for_self = set(allowed_sites(Injector.SELF))
    areas = tuple(
        MapArea(
            site=site,
            x=x,
            y=y,
            width=width,
            height=height,
            suggested=site == suggested,
            last=site == last,
            chosen=site == chosen,
            others_only=site not in for_self,
        )
        for site, (x, y, width, height) in _BOXES.items()
    )
    return BodyMap(areas=areas, suggested=suggested, last=last)


def parse_site_choice(text: str) -> Site | None:
    """The site a form names, or None when it names none ofacare knows."""
    return next((site for site in Site if site.value == text), None)
