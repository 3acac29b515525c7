"""Injection site rotation (clinical-rules.md INJ-1..INJ-6, CONF-10; US-PI §2, US-MG, CH portal)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ofacare
from ofacare.errors import InvalidInput
from ofacare.handling.sites import (
    Injector,
    Site,
    allowed_sites,
    check_site,
    describe_site,
    parse_injector,
    parse_site,
    suggest_site,
)
from ofacare.knowledge import default_knowledge, load_knowledge

KB = default_knowledge()
ARMS = {Site.UPPER_ARM_LEFT, Site.UPPER_ARM_RIGHT}
histories = st.lists(st.sampled_from(list(Site)), max_size=12)


@given(histories)
def test_the_arm_is_never_suggested_for_self_injection_inj_4(recent: list[Site]) -> None:
    assert suggest_site(recent, injector=Injector.SELF, kb=KB).site not in ARMS


@given(histories, st.sampled_from(list(Injector)))
def test_the_suggestion_is_never_the_last_site_inj_6(
    recent: list[Site], injector: Injector
) -> None:
    suggestion = suggest_site(recent, injector=injector, kb=KB)
    assert suggestion.site != (recent[0] if recent else None)
    assert suggestion.site in suggestion.allowed


@given(histories, st.sampled_from(list(Injector)))
def test_no_allowed_site_other_than_the_last_was_used_longer_ago_inj_6(
    recent: list[Site], injector: Injector
) -> None:
    def age(site: Site) -> int:
        return recent.index(site) if site in recent else len(recent)

    chosen = suggest_site(recent, injector=injector, kb=KB).site
    others = [s for s in allowed_sites(injector) if s != (recent[0] if recent else None)]
    assert all(age(chosen) >= age(site) for site in others)


@pytest.mark.parametrize(
    ("recent", "expected"),
    [
        # Newest first: abdomen-right was used longest ago of the allowed sites.
        (
            [Site.THIGH_LEFT, Site.ABDOMEN_LEFT, Site.THIGH_RIGHT, Site.ABDOMEN_RIGHT],
            Site.ABDOMEN_RIGHT,
        ),
        # A site used twice counts from its latest use: thigh-right (2) is older than thigh-left (1).
        (
            [
                Site.ABDOMEN_LEFT,
                Site.THIGH_LEFT,
                Site.THIGH_RIGHT,
                Site.ABDOMEN_RIGHT,
                Site.THIGH_LEFT,
            ],
            Site.ABDOMEN_RIGHT,
        ),
        (
            [Site.ABDOMEN_RIGHT, Site.ABDOMEN_LEFT, Site.THIGH_LEFT, Site.THIGH_RIGHT],
            Site.THIGH_RIGHT,
        ),
    ],
)
def test_the_least_recently_used_allowed_site_wins_inj_6(
    recent: list[Site], expected: Site
) -> None:
    assert suggest_site(recent, injector=Injector.SELF, kb=KB).site is expected


@pytest.mark.parametrize(
    ("recent", "expected"),
    [
        ([], Site.THIGH_LEFT),  # thigh first (INJ-3), left before right
        ([Site.THIGH_LEFT], Site.THIGH_RIGHT),  # three never-used sites tie
        ([Site.THIGH_RIGHT], Site.THIGH_LEFT),
        ([Site.THIGH_RIGHT, Site.THIGH_LEFT], Site.ABDOMEN_LEFT),  # then the belly
    ],
)
def test_ties_go_to_the_thighs_then_the_belly_left_before_right_inj_3(
    recent: list[Site], expected: Site
) -> None:
    assert suggest_site(recent, injector=Injector.SELF, kb=KB).site is expected


def test_an_arm_used_by_a_caregiver_does_not_count_against_a_self_injector_inj_4() -> None:
    recent = [Site.UPPER_ARM_LEFT, Site.THIGH_LEFT, Site.THIGH_RIGHT, Site.ABDOMEN_LEFT]
    suggestion = suggest_site(recent, injector=Injector.SELF, kb=KB)
    assert suggestion.site is Site.ABDOMEN_RIGHT
    assert suggestion.last_site is Site.UPPER_ARM_LEFT


def test_a_caregiver_is_offered_the_arm_when_it_was_used_longest_ago_inj_4_conf_10() -> None:
    recent = [Site.THIGH_LEFT, Site.THIGH_RIGHT, Site.ABDOMEN_LEFT, Site.ABDOMEN_RIGHT]
    for injector in (Injector.CAREGIVER, Injector.CLINICIAN):
        suggestion = suggest_site(recent, injector=injector, kb=KB)
        assert suggestion.site is Site.UPPER_ARM_LEFT
        assert set(suggestion.allowed) == set(Site)


def test_a_self_injector_may_use_the_belly_and_thighs_only_inj_1_inj_4() -> None:
    assert set(allowed_sites(Injector.SELF)) == set(Site) - ARMS


def test_the_guidance_cites_facts_that_exist_and_names_the_last_site() -> None:
    suggestion = suggest_site([Site.THIGH_LEFT], injector=Injector.SELF, kb=KB)
    assert suggestion.guidance[0].text.startswith("Next injection: the front of your right thigh")
    assert "left thigh" in suggestion.guidance[1].text
    cited = {fact for line in suggestion.guidance for fact in line.fact_ids}
    assert {"injection.rotate-sites", "injection.skin-to-avoid"} <= cited
    assert cited <= set(KB.facts)


def test_the_arm_guidance_says_someone_else_must_inject_inj_4() -> None:
    recent = [Site.THIGH_LEFT, Site.THIGH_RIGHT, Site.ABDOMEN_LEFT, Site.ABDOMEN_RIGHT]
    suggestion = suggest_site(recent, injector=Injector.CAREGIVER, kb=KB)
    assert any("injection.upper-arm-caregiver" in line.fact_ids for line in suggestion.guidance)


def test_the_belly_guidance_reads_the_navel_distance_from_the_knowledge_base_inj_2(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(ofacare.__file__).parent / "knowledge" / "data", data)
    path = data / "injection.yaml"
    text = path.read_text("utf-8")
    old = "    value: 5\n    unit: cm\n"
    assert old in text
    path.write_text(text.replace(old, "    value: 6\n    unit: cm\n", 1), "utf-8")
    assert "at least 5 cm" in describe_site(Site.ABDOMEN_RIGHT, kb=KB)
    assert "at least 6 cm" in describe_site(Site.ABDOMEN_RIGHT, kb=load_knowledge(data))
    belly = suggest_site([Site.THIGH_RIGHT, Site.THIGH_LEFT], injector=Injector.SELF, kb=KB)
    assert "injection.abdomen-navel-distance" in belly.guidance[0].fact_ids


def test_an_arm_chosen_by_a_self_injector_is_a_problem_but_not_for_a_caregiver_inj_4() -> None:
    (problem,) = check_site(Site.UPPER_ARM_RIGHT, injector=Injector.SELF, last_site=None, kb=KB)
    assert problem.code == "handling.arm-self-injection"
    assert "'upper-arm-right'" in problem.message
    assert problem.fact_ids == ("injection.upper-arm-caregiver",)
    assert (
        check_site(Site.UPPER_ARM_RIGHT, injector=Injector.CAREGIVER, last_site=None, kb=KB) == ()
    )


def test_the_same_site_as_last_time_is_a_problem_and_a_different_one_is_not_inj_6() -> None:
    (problem,) = check_site(
        Site.ABDOMEN_LEFT, injector=Injector.SELF, last_site=Site.ABDOMEN_LEFT, kb=KB
    )
    assert problem.code == "handling.same-site-as-last"
    assert problem.fact_ids == ("injection.rotate-sites",)
    other = check_site(
        Site.ABDOMEN_RIGHT, injector=Injector.SELF, last_site=Site.ABDOMEN_LEFT, kb=KB
    )
    assert other == ()


@pytest.mark.parametrize("text", ["thigh-left", " THIGH-LEFT "])
def test_a_site_id_is_read_whatever_its_case_and_spaces(text: str) -> None:
    assert parse_site(text) is Site.THIGH_LEFT


def test_an_unknown_site_names_the_field_and_the_value_and_lists_the_ids() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_site("left arm")
    assert caught.value.code == "handling.unknown-site"
    assert "site" in caught.value.message and "'left arm'" in caught.value.message
    assert all(site.value in caught.value.hint for site in Site)


def test_an_unknown_injector_names_the_field_and_the_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_injector("partner")
    assert caught.value.message.startswith("injector: 'partner'")
    assert "caregiver" in caught.value.hint


def test_the_site_ids_are_stable() -> None:
    assert [s.value for s in Site] == [
        "thigh-left", "thigh-right", "abdomen-left", "abdomen-right", "upper-arm-left", "upper-arm-right"
    ]  # fmt: skip
