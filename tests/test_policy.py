"""The APS default policy file loads, and broken copies are refused naming the key and the problem."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from validators.policy import DEFAULT_POLICY_PATH, FINDING_CODES, PolicyError, load_policy

DEFAULT_TEXT = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "district_policy.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEFAULT_TEXT, old
    return write(tmp_path, DEFAULT_TEXT.replace(old, new, 1))


def problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as e:
        load_policy(path)
    assert str(path) in str(e.value)
    return e.value.problems


def test_default_policy_is_the_aps_rulebook():
    p = load_policy()
    assert p == load_policy(DEFAULT_POLICY_PATH)
    assert set(p.findings) == set(FINDING_CODES)
    assert p.insurance.minimum_each_occurrence == 1_000_000
    assert (p.notice.request_min_days, p.notice.kitchen_min_days) == (10, 14)
    assert p.school_year(date(2027, 6, 30)) == 2026 and p.school_year(date(2027, 7, 1)) == 2027
    assert p.required_documents("2") == ("nonprofit_letter", "coi")
    assert p.required_documents("4", government=True) == ("coi",)
    assert p.required_documents("6b") == ("business_license", "coi")
    assert p.required_documents("3", community_school=True) == ("nonprofit_letter",)
    assert p.required_documents("1") == ()
    assert set(p.required_documents("9")) >= {"coi", "nonprofit_letter", "business_license"}  # unknown: all
    assert p.rule("BUSINESS_LICENSE_LAPSES").severity == "warn"
    assert p.rule("COI_HOLDER_NOT_APS").severity == "warn"
    assert p.rule("COI_EXPIRED").severity == "block"


def test_aps_names_and_issuers():
    p = load_policy()
    for holder in (
        "Albuquerque Public Schools",
        "APS Risk Management Department",
        "Board of Education of the Albuquerque Public Schools",
        "ALBUQUERQUE MUNICIPAL SCHOOL DISTRICT NO. 12",
        "Albuquerque Manicipal School District No. 12",  # one OCR slip in a long name
        "Albuquerque Pubiic Schools",
    ):
        assert p.is_aps(holder, "holder"), holder
    for other in (
        "Albuquerque High School",  # a school site, not the district
        "Albuquerque Charter Schools",
        "Mark Twain Elementary School",
        "Evidence of Insurance",
        "City of Albuquerque",
        "Apsley LLC",
        None,
    ):
        assert not p.is_aps(other, "holder"), other
    for issuer in (
        "Bernalillo County Office of Environmental Health",
        "City of Albuquerque Environmental Health Department",
        "City of Albuquerque Office of Environmental Health",
        "CITY OF ALBUQUERQUE - DEPT. OF ENVIRONMENTAL HEALTH",
        "Environmental Health Department, City of Albuquerque",
    ):
        assert p.issuer_accepted("health_permit", issuer), issuer
    for issuer in (
        "Sandoval County Fire and Environmental Services",
        "Santa Fe County Community Services Department",
        "Town of Bernalillo",
        "City of Albuquerque Planning Department",
        None,
    ):
        assert not p.issuer_accepted("health_permit", issuer), issuer
    assert p.issuer_accepted("business_license", "City of Albuquerque Planning Department")
    assert not p.issuer_accepted("business_license", "City of Las Cruces")
    assert not p.issuer_accepted("business_license", "Town of Bernalillo")


def test_a_district_edit_takes_effect(tmp_path):
    p = load_policy(edited(tmp_path, "minimum_each_occurrence: 1000000", "minimum_each_occurrence: 2000000"))
    assert p.insurance.minimum_each_occurrence == 2_000_000
    p = load_policy(
        edited(
            tmp_path,
            "  BUSINESS_LICENSE_LAPSES:\n    severity: warn",
            "  BUSINESS_LICENSE_LAPSES:\n    severity: block",
        )
    )
    assert p.rule("BUSINESS_LICENSE_LAPSES").severity == "block"


def test_unknown_finding_code(tmp_path):
    path = edited(tmp_path, "  COI_EXPIRED:\n", "  COI_EXPIRD:\n")
    found = problems(path)
    assert any(m.startswith("findings.COI_EXPIRD: unknown finding code") for m in found)
    assert any(m.startswith("findings.COI_EXPIRED: missing") for m in found)


def test_bad_severity(tmp_path):
    path = edited(tmp_path, "  COI_EXPIRED:\n    severity: block", "  COI_EXPIRED:\n    severity: fatal")
    assert problems(path) == [
        "findings.COI_EXPIRED.severity: severity must be 'block' or 'warn' (got 'fatal')"
    ]


def test_missing_category(tmp_path):
    data = yaml.safe_load(DEFAULT_TEXT)
    del data["categories"]["6b"]
    found = problems(write(tmp_path, yaml.safe_dump(data)))
    assert len(found) == 1 and found[0].startswith("categories.6b: missing category")


def test_non_positive_amount(tmp_path):
    for bad in ("0", "-1000000"):
        path = edited(tmp_path, "minimum_each_occurrence: 1000000", f"minimum_each_occurrence: {bad}")
        assert problems(path) == [
            f"insurance.minimum_each_occurrence: must be a positive whole number of dollars (got {int(bad)})"
        ]


def test_negative_notice_and_impossible_school_year(tmp_path):
    path = edited(tmp_path, "kitchen_min_days: 14", "kitchen_min_days: -3")
    assert problems(path)[0].startswith("notice.kitchen_min_days:")
    path = edited(tmp_path, "  month: 7\n  day: 1", "  month: 2\n  day: 30")
    assert problems(path) == ["school_year_starts: 2/30 is not a day of the year"]


def test_unknown_key_and_unknown_document_kind(tmp_path):
    path = edited(tmp_path, "  umbrella_counts_toward_minimum: true", "  umbrela_counts: true")
    found = problems(path)
    assert "insurance.umbrela_counts: unknown key (misspelt? it is not part of the policy format)" in found
    path = edited(tmp_path, "requires: [business_license, coi]", "requires: [business_licence, coi]")
    assert problems(path)[0].startswith("categories.6a.requires.0: unknown document kind 'business_licence'")


def test_missing_required_key(tmp_path):
    data = yaml.safe_load(DEFAULT_TEXT)
    del data["notice"]
    assert problems(write(tmp_path, yaml.safe_dump(data))) == ["notice: missing (this key is required)"]


def test_message_placeholders_are_checked(tmp_path):
    path = edited(
        tmp_path, "General-liability coverage expired on {expiration}", "Coverage expired on {expiry}"
    )
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith("findings.COI_EXPIRED.message: unknown placeholder(s) {expiry}")
    assert "expiration" in found[0]
    path = edited(tmp_path, "against the EIN on file {on_file} or", "against the EIN on file {ein_on_file} or")
    assert problems(path)[0].startswith("findings.NONPROFIT_EIN_MISMATCH.unread_message: unknown placeholder(s)")


def test_bad_issuer_pattern(tmp_path):
    path = edited(tmp_path, "  - '\\bcity of albuquerque\\b'", "  - '(city of albuquerque'")
    found = problems(path)
    assert len(found) == 1 and re.match(r"business_license_issuers\[0\]: not a valid pattern", found[0])


def test_government_exemption_must_name_a_required_document(tmp_path):
    path = edited(tmp_path, "government_exempt: [nonprofit_letter]", "government_exempt: [business_license]")
    assert problems(path) == [
        "categories.4.government_exempt: 'business_license' is not in this category's requires"
    ]


def test_not_yaml_and_not_a_mapping_and_missing_file(tmp_path):
    found = problems(write(tmp_path, "categories: [1, 2\nfindings: {"))
    assert len(found) == 1 and found[0].startswith("line ") and "not valid YAML" in found[0]
    assert problems(write(tmp_path, "- just\n- a list\n")) == [
        "the file must be a mapping of keys (policy, categories, findings ...)"
    ]
    with pytest.raises(PolicyError, match="cannot read the file"):
        load_policy(tmp_path / "nope.yaml")


def test_every_problem_is_reported_at_once(tmp_path):
    text = DEFAULT_TEXT.replace("minimum_each_occurrence: 1000000", "minimum_each_occurrence: -5")
    text = text.replace("  COI_EXPIRED:\n    severity: block", "  COI_EXPIRED:\n    severity: maybe")
    found = problems(write(tmp_path, text))
    assert len(found) == 2
