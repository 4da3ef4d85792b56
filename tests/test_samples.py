"""The built-in sample corpus: made by the project itself, read end to end by the pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "samples"))

import make_samples  # noqa: E402


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("sample")
    corpus = make_samples.make_sample_corpus(root / "corpus")
    out = root / "results.json"
    env = {"COMPLIANCE_HOME": str(root / "home"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            str(corpus),
            "--as-of",
            make_samples.AS_OF.isoformat(),
            "--export",
            str(out),
            "--no-prefect",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def test_generation_is_deterministic(tmp_path: Path) -> None:
    a = make_samples.make_sample_corpus(tmp_path / "a")
    b = make_samples.make_sample_corpus(tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) >= 12
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_every_file_gets_the_right_status_type_and_organization(sample_run: dict) -> None:
    docs = {(d["path"], tuple(d["pages"])): d for d in sample_run["documents"]}
    expect = {
        ("inbox/ORG-S01/COI 2026.pdf", (1, 2)): ("processed", "coi", "ORG-S01"),
        ("inbox/COI 2026 - Copy.pdf", (1, 2)): ("duplicate", None, None),
        ("inbox/scan0042.pdf", (1,)): ("processed", "nonprofit_letter", "ORG-S01"),
        ("inbox/AC11-S-0001/background Quintana.pdf", (1,)): ("processed", "background_check", "ORG-S01"),
        ("inbox/FAX00031.TIF", (1,)): ("processed", "background_check", "ORG-S01"),
        ("inbox/Mesa Verde Dance Collective COI.pdf", (1,)): ("processed", "coi", "ORG-S02"),
        ("inbox/ORG-S02/food permit.pdf", (1,)): ("processed", "health_permit", "ORG-S02"),
        ("inbox/IMG_0412.jpg", (1,)): ("processed", "business_license", "ORG-S03"),
        ("inbox/notes.txt", ()): ("rejected", None, None),
        ("inbox/scan0000.pdf", ()): ("rejected", None, None),
    }
    for key, (status, doc_type, org) in expect.items():
        d = docs[key]
        assert (d["status"], d["doc_type"], d["org_id"]) == (status, doc_type, org), key


def test_fields_are_read_from_text_layers_and_scans(sample_run: dict) -> None:
    by_path = {d["path"]: d["fields"] for d in sample_run["documents"] if d["status"] == "processed"}
    coi = by_path["inbox/ORG-S01/COI 2026.pdf"]
    assert coi["gl_each_occurrence"] == 1_000_000 and coi["gl_expiration"] == "2027-08-01"
    assert coi["additional_insured_aps"] is True and coi["coverage_trigger"] == "occurrence"
    assert by_path["inbox/Mesa Verde Dance Collective COI.pdf"]["gl_each_occurrence"] == 500_000
    assert by_path["inbox/scan0042.pdf"]["ein"] == "86-4410275"
    assert by_path["inbox/FAX00031.TIF"]["status"] == "pending"
    assert by_path["inbox/IMG_0412.jpg"]["expiration_date"] == "2026-10-31"
    assert by_path["inbox/ORG-S02/food permit.pdf"]["valid_to"] == "2026-12-11"


def test_each_request_is_flagged_for_its_own_reasons(sample_run: dict) -> None:
    codes = {r["request_id"]: {(f["code"], f["subject"]) for f in r["findings"]} for r in sample_run["requests"]}
    verdicts = {r["request_id"]: r["verdict"] for r in sample_run["requests"]}
    assert verdicts == {"AC11-S-0001": "flagged", "AC11-S-0002": "flagged", "AC11-S-0003": "flagged"}
    assert ("BACKGROUND_CHECK_NOT_CLEARED", "Daniel Yazzie") in codes["AC11-S-0001"]
    assert not any(c == "BACKGROUND_CHECK_MISSING" for c, _ in codes["AC11-S-0001"])
    assert not any(c.startswith("NONPROFIT") for c, _ in codes["AC11-S-0001"])  # reinstated, not revoked
    assert {("COI_LIMIT_BELOW_MINIMUM", None), ("HEALTH_PERMIT_DATES", None), ("NONPROFIT_LETTER_MISSING", None)} <= (
        codes["AC11-S-0002"]
    )
    assert {("COI_MISSING", None), ("BUSINESS_LICENSE_EXPIRED", None)} <= codes["AC11-S-0003"]
