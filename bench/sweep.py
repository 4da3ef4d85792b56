"""Benchmark: how long the nightly sweep takes for 10,000 and 100,000 stored requests (SQLite, the default).

    PYTHONPATH=. .venv/bin/python bench/sweep.py [--sizes 10000 100000] [--keep DIR]

Builds a synthetic registry (one organization per 10 requests, each with a certificate of insurance and a
501(c) letter or business license on file, dates spread around the as-of day), runs the sweep twice (the first
writes every request's findings; the second is the steady nightly case where little changes) and prints the
timings. Notices go to a dry-run folder. The goal is under 30 s for 100,000 requests.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = date(2027, 1, 15)
CATEGORIES = ["2", "3", "4", "5", "6a", "6b"]


def build(db_url: str, n_requests: int, seed: int = 7) -> None:
    from extractors.model import Evidence, ExtractedDocument, FieldValue
    from storage import repository as repo
    from storage import service_repo as srepo
    from storage.db import database
    from storage.records import FacilityRequest, Organization

    rnd = random.Random(seed)
    n_orgs = max(1, n_requests // 10)
    orgs = [
        Organization(f"B-{i:06d}", f"Benchmark Group {i} Inc", [], rnd.choice(CATEGORIES), False,
                     f"{10 + i % 89:02d}-{1000000 + i:07d}", "1 Main St, Albuquerque, NM",
                     f"contact{i}@example.org")
        for i in range(n_orgs)
    ]
    requests = []
    for j in range(n_requests):
        first = AS_OF + timedelta(days=rnd.randint(-60, 120))
        dates = [first + timedelta(days=7 * k) for k in range(rnd.randint(1, 8))]
        requests.append(FacilityRequest(
            f"R-{j:07d}", orgs[j % n_orgs].org_id, "Benchmark High School", "gym", "Practice", dates,
            "18:00", "20:00", first - timedelta(days=rnd.randint(5, 40)), False, False, [], False, [],
        ))
    db = database(db_url)
    with db.session() as s:
        srepo.bulk_add_registry(s, orgs, requests)
        s.commit()

    def fv(v):
        return FieldValue(v, Evidence(1, (0, 0, 10, 10), str(v), 0.95, "bench"))

    with db.session() as s:
        for i, o in enumerate(orgs):
            exp = AS_OF + timedelta(days=rnd.randint(-30, 300))
            coi = ExtractedDocument([1], "coi", 0.99, "bench", {
                "insured_name": fv(o.name), "insurer_name": fv("Bench Mutual"), "am_best_rating": fv("A+ XV"),
                "gl_effective": fv((exp - timedelta(days=365)).isoformat()), "gl_expiration": fv(exp.isoformat()),
                "gl_each_occurrence": fv(1_000_000 if i % 7 else 500_000), "coverage_trigger": fv("occurrence"),
                "additional_insured_aps": fv(i % 5 != 0), "certificate_holder": fv("Albuquerque Public Schools"),
                "description": fv(f"Practice sessions {(exp - timedelta(days=365)):%m/%d/%Y} through {exp:%m/%d/%Y}"),
            })
            if o.category in ("6a", "6b"):
                other = ExtractedDocument([2], "business_license", 0.99, "bench", {
                    "business_name": fv(o.name), "issuer": fv("City of Albuquerque"),
                    "expiration_date": fv((AS_OF + timedelta(days=rnd.randint(-20, 200))).isoformat()),
                })
            else:
                other = ExtractedDocument([2], "nonprofit_letter", 0.99, "bench", {
                    "org_name": fv(o.name), "ein": fv(o.ein), "subsection": fv("501(c)(3)"),
                })
            doc = repo.add_document(s, sha256=f"{i:064d}", original_name=f"{o.org_id}.pdf",
                                    relative_path=f"{o.org_id}.pdf", status="processed", media_type="application/pdf",
                                    page_count=2)
            repo.replace_segments(s, doc, [
                repo.LinkedDocument(ex, "processed", None, o.org_id, "bench", 1.0, "bench", []) for ex in (coi, other)
            ])
            if i % 2000 == 1999:
                s.commit()
        s.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="build the databases in this folder and keep them")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    (base / "home").mkdir(exist_ok=True)
    os.environ["COMPLIANCE_HOME"] = str(base / "home")
    os.environ["COMPLIANCE_NOTICES_DRY_RUN"] = "true"
    from flows.service_settings import load_settings
    from flows.sweep import sweep

    print(f"sweep benchmark, SQLite, as of {AS_OF}, {os.cpu_count()} cores")
    for n in args.sizes:
        db_file, pristine = base / f"bench-{n}.db", base / f"bench-{n}.pristine.db"
        db_url = f"sqlite:///{db_file}"
        if not pristine.exists():  # built once; every run starts from the same never-swept copy
            t = time.perf_counter()
            db_file.unlink(missing_ok=True)
            build(db_url, n)
            from storage.db import database

            database(db_url).dispose()
            database.cache_clear()
            shutil.copyfile(db_file, pristine)
            print(f"  built {n:,} requests in {time.perf_counter() - t:.1f} s")
        else:
            for suffix in ("-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(pristine, db_file)
        settings = load_settings()
        for label, day in (("first sweep", AS_OF), ("next night", AS_OF + timedelta(days=1))):
            t = time.perf_counter()
            r = sweep(db_url, day, settings)
            total = time.perf_counter() - t
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in r.seconds.items())
            print(f"  {n:>7,} requests, {label}: {total:6.1f} s  ({r.checked:,} open checked, {r.flagged:,} flagged, "
                  f"{r.changed:,} rewritten, {r.notices.dry_run:,} notices; {parts})")


if __name__ == "__main__":
    main()
