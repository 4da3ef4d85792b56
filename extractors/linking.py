"""Tie an extracted document to the organization it belongs to, the way facility staff would.

Staff first look where the file was dropped (a sub-folder named after an organization or a request),
then at what the document says (insured / organization / business / permittee name, EIN, the person
on a clearance), then at the file name. A name that is only *close* to an organization's name counts
when OCR damage explains the difference, never when it could be another group. When two
organizations fit equally the document stays unlinked with the candidates listed: a wrong link can
let an uninsured group onto a campus, a missing one only asks a person to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from rapidfuzz import fuzz

from extractors.names import dba_parts, fold, org_key, org_names_match, person_names_match, person_tokens
from extractors.normalize import parse_ein
from storage.records import FacilityRequest, Organization

NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "coi": ("insured_name",),
    "nonprofit_letter": ("org_name",),
    "business_license": ("business_name",),
    "health_permit": ("permittee",),
    "background_check": (),
    "cpr_certificate": (),
}
# kinds that name a person, tied to the organization whose request lists that person
PERSON_KINDS = ("background_check", "cpr_certificate")
# names of an organization some extractors may add for any kind (e.g. "Organization:" on a clearance)
EXTRA_NAME_FIELDS = ("organization", "org_name", "organization_name")
FUZZY_MIN = 90.0  # rapidfuzz ratio (0-100) for an OCR-damaged name to count
PERSON_FUZZY_MIN = 90.0  # rapidfuzz ratio for an OCR-damaged person name
FUZZY_MARGIN = 4.0  # the best fuzzy organization must beat the next one by this much
ACRONYM_MIN = 4  # a DBA acronym must be at least this long to be trusted inside a file name
WITHIN_MIN_WORDS = 2  # a registered name found inside a longer read: at least this many words ...
WITHIN_MIN_LETTERS = 12  # ... and this many letters, so that it names one group


@dataclass(slots=True)
class PathHints:
    """What the file's location says: a sub-folder named after an org_id or request_id, the file name."""

    org_id: str | None
    request_id: str | None
    filename: str


@dataclass(slots=True)
class LinkResult:
    org_id: str | None
    method: str  # folder, folder+name, name, ein, person, name_fuzzy, name_within, filename, ambiguous, none
    confidence: float
    candidates: list[str] = field(default_factory=list)
    evidence: str = ""


def hints_from_path(relpath: str, org_ids: set[str], request_ids: dict[str, str]) -> PathHints:
    """Read the org_id / request_id sub-folder (innermost wins) and the file name from a relative path."""
    parts = PurePosixPath(relpath.replace("\\", "/")).parts
    filename = parts[-1] if parts else ""
    orgs_by_key = {o.strip().upper(): o for o in org_ids}
    reqs_by_key = {r.strip().upper(): r for r in request_ids}
    for folder in reversed(parts[:-1]):
        key = folder.strip().upper()
        if key in orgs_by_key:
            return PathHints(orgs_by_key[key], None, filename)
        if key in reqs_by_key:
            req = reqs_by_key[key]
            return PathHints(request_ids.get(req), req, filename)
    return PathHints(None, None, filename)


# ---------------------------------------------------------------- content matching


def _plain(value: Any) -> Any:
    """Fields may come as plain values or as FieldValue objects."""
    return getattr(value, "value", value)


def _printed_names(doc_type: str, fields: dict[str, Any]) -> list[tuple[str, str]]:
    keys = NAME_FIELDS.get(doc_type, ()) + EXTRA_NAME_FIELDS
    out: list[tuple[str, str]] = []
    for k in dict.fromkeys(keys):
        v = _plain(fields.get(k))
        if isinstance(v, str) and v.strip():
            out.append((k, v.strip()))
    return out


def _fuzzy(printed: str, org: Organization) -> float:
    """Closeness of a printed name to any of an organization's names, 0-100, tolerant of OCR slips."""
    best = 0.0
    for part in dba_parts(printed):
        a = org_key(part)
        if len(a) < 4:
            continue
        for name in org.names:
            b = org_key(name)
            if len(b) < 4:
                continue
            # OCR splits and joins words; compare with and without the spaces
            score = max(fuzz.ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
            best = max(best, score)
    return best


@dataclass(slots=True)
class _Clues:
    exact: dict[str, list[str]] = field(default_factory=dict)  # org_id -> reasons (name, EIN)
    person: dict[str, list[str]] = field(default_factory=dict)  # org_id -> person evidence
    person_fuzzy: dict[str, list[str]] = field(default_factory=dict)  # org_id -> close person names
    fuzzy: list[tuple[float, str, str]] = field(default_factory=list)  # (score, org_id, reason)
    within: dict[str, str] = field(default_factory=dict)  # org_id -> reason: its full name inside a longer read
    printed: list[str] = field(default_factory=list)  # names/persons/EIN the document shows

    def add(self, where: dict[str, list[str]], org_id: str, why: str) -> None:
        where.setdefault(org_id, []).append(why)


def _content_clues(
    doc_type: str, fields: dict[str, Any], orgs: list[Organization], requests: list[FacilityRequest]
) -> _Clues:
    c = _Clues()
    for key, printed in _printed_names(doc_type, fields):
        c.printed.append(f"{key} '{printed}'")
        exact = [o for o in orgs if org_names_match(printed, o.names)]
        for o in exact:
            c.add(c.exact, o.org_id, f"{key} '{printed}' = '{_which_name(printed, o)}'")
        if not exact:
            for o in orgs:
                s = _fuzzy(printed, o)
                if s >= FUZZY_MIN:
                    c.fuzzy.append((s, o.org_id, f"{key} '{printed}' ~ '{o.name}' ({s:.0f}%)"))
            for org_id, name in _names_within(printed, orgs).items():
                c.within[org_id] = f"{key} '{printed}' holds the name '{name}'"
    ein = parse_ein(str(_plain(fields.get("ein")) or ""))
    if ein:
        c.printed.append(f"EIN {ein}")
        for o in orgs:
            if o.ein and parse_ein(o.ein) == ein:
                c.add(c.exact, o.org_id, f"EIN {ein}")
    person = _plain(fields.get("person_name"))
    if doc_type in PERSON_KINDS and isinstance(person, str) and person.strip():
        c.printed.append(f"person '{person}'")
        for r in requests:
            for listed in r.personnel:
                if _same_person(person, listed):
                    c.add(c.person, r.org_id, f"person '{person}' listed on {r.request_id} as '{listed}'")
                elif _person_close(person, listed):
                    c.add(c.person_fuzzy, r.org_id, f"person '{person}' ~ '{listed}' on {r.request_id}")
    return c


def _same_person(a: str, b: str) -> bool:
    """person_names_match, with apostrophes dropped so O'Brien stays one surname on both sides."""
    return person_names_match(
        a.replace("'", "").replace("\u2019", ""), b.replace("'", "").replace("\u2019", "")
    )


def _person_close(a: str, b: str) -> bool:
    """Same person with OCR slips: a changed letter, a lost comma or space, order swapped."""
    fa, la, _ = person_tokens(a)
    fb, lb, _ = person_tokens(b)
    ka, kb = f"{fa} {la}".strip(), f"{fb} {lb}".strip()
    if len(ka.replace(" ", "")) < 7 or len(kb.replace(" ", "")) < 7:
        return False
    score = max(
        fuzz.ratio(ka, kb),
        fuzz.ratio(ka.replace(" ", ""), kb.replace(" ", "")),
        fuzz.token_sort_ratio(fold(a), fold(b)),
    )
    return score >= PERSON_FUZZY_MIN


def _names_within(printed: str, orgs: list[Organization]) -> dict[str, str]:
    """Organizations whose whole name is printed inside a longer read ('<name> 123 Main St', a label before it).

    A reader that took in a neighbouring label or the address line still shows the name a person would
    see; only the longest such name counts (a name inside another registered name is not a second fit),
    and only distinctive names (two words or more, twelve letters or more).
    """
    text = f" {fold(printed)} "
    found: dict[str, tuple[int, str]] = {}
    for o in orgs:
        for name in o.names:
            key = org_key(name)
            if len(key.split()) < WITHIN_MIN_WORDS or len(key.replace(" ", "")) < WITHIN_MIN_LETTERS:
                continue
            if f" {key} " in text and len(key) > found.get(o.org_id, (0, ""))[0]:
                found[o.org_id] = (len(key), name)
    if not found:
        return {}
    longest = max(n for n, _ in found.values())
    keys = {o: org_key(name) for o, (_, name) in found.items()}
    top = [o for o, (n, _) in found.items() if n == longest]
    # a shorter name that is part of the longest one is the same reading, not another candidate
    rest = [o for o in found if o not in top and not any(keys[o] in keys[t] for t in top)]
    return {o: found[o][1] for o in top + rest}


def _which_name(printed: str, org: Organization) -> str:
    keys = {org_key(p) for p in dba_parts(printed)}
    return next((n for n in org.names if org_key(n) in keys), org.name)


def _filename_orgs(filename: str, orgs: list[Organization]) -> dict[str, str]:
    """Organizations whose name (or a distinctive DBA acronym) appears in the file name."""
    stem = fold(re.sub(r"[_\-.]+", " ", filename.rsplit(".", 1)[0]))
    padded = f" {stem} "
    found: dict[str, str] = {}
    for o in orgs:
        for name in o.names:
            key = org_key(name)
            if not key:
                continue
            acronym = " " not in key
            if acronym and len(key) < ACRONYM_MIN:
                continue
            if f" {key} " in padded:
                found[o.org_id] = name
                break
    return found


# ---------------------------------------------------------------- decision


def link_document(
    doc_type: str,
    fields: dict[str, Any],
    hints: PathHints,
    orgs: list[Organization],
    requests: list[FacilityRequest],
) -> LinkResult:
    """Decide which organization a document belongs to, or none, and say why."""
    known = {o.org_id for o in orgs}
    c = _content_clues(doc_type, fields, orgs, requests)
    shows = ", ".join(c.printed) or "no name, EIN or person"
    strong = {**{k: list(v) for k, v in c.person.items()}}
    for k, v in c.exact.items():
        strong.setdefault(k, []).extend(v)
    hint = hints.org_id if hints.org_id in known else None

    if hint:
        folder = f"sub-folder {hints.request_id or hint}" + (
            f" (request of {hint})" if hints.request_id else ""
        )
        if hint in strong:
            return LinkResult(hint, "folder+content", 0.98, [hint], f"{folder}; {'; '.join(strong[hint])}")
        fuzzy_hint = [r for s, o, r in c.fuzzy if o == hint] + ([c.within[hint]] if hint in c.within else [])
        if fuzzy_hint:
            return LinkResult(hint, "folder+content", 0.95, [hint], f"{folder}; {fuzzy_hint[0]}")
        # exact name / EIN match to one other organization: the document speaks for itself
        others = {o for o in c.exact if o != hint}
        if len(others) == 1 and not c.person:
            other = others.pop()
            return LinkResult(
                other,
                "content",
                0.75,
                sorted({hint, other}),
                f"{'; '.join(c.exact[other])} although filed under {folder}",
            )
        person_orgs = set(c.person)
        if len(person_orgs) == 1 and not c.exact and hint not in person_orgs:
            other = person_orgs.pop()
            return LinkResult(
                other,
                "content",
                0.7,
                sorted({hint, other}),
                f"{'; '.join(c.person[other])} although filed under {folder}",
            )
        note = (
            "; content names no other registered organization"
            if not strong
            else (f"; content also fits {', '.join(sorted(strong))} (ambiguous, folder decides)")
        )
        return LinkResult(hint, "folder", 0.9, [hint], f"{folder}; document shows {shows}{note}")

    if len(strong) == 1:
        org_id = next(iter(strong))
        method = (
            "person"
            if org_id in c.person and org_id not in c.exact
            else ("ein" if all(r.startswith("EIN") for r in c.exact.get(org_id, [])) else "name")
        )
        return LinkResult(
            org_id, method, 0.95 if method != "person" else 0.9, [org_id], "; ".join(strong[org_id])
        )
    by_file = _filename_orgs(hints.filename, orgs)
    if len(strong) > 1:
        # several organizations fit; a file name naming one of them settles it, otherwise ask a person
        named = [o for o in strong if o in by_file]
        if len(named) == 1:
            o = named[0]
            return LinkResult(
                o,
                "content+filename",
                0.85,
                sorted(strong),
                f"{'; '.join(strong[o])}; file name names '{by_file[o]}'",
            )
        return LinkResult(
            None,
            "ambiguous",
            0.0,
            sorted(strong),
            "fits several organizations: "
            + " | ".join(f"{k}: {'; '.join(v)}" for k, v in sorted(strong.items())),
        )
    if c.person_fuzzy:
        if len(c.person_fuzzy) == 1:
            o, why = next(iter(c.person_fuzzy.items()))
            return LinkResult(o, "person_fuzzy", 0.75, [o], "; ".join(why))
        return LinkResult(
            None,
            "ambiguous",
            0.0,
            sorted(c.person_fuzzy),
            "close to persons of several organizations: "
            + "; ".join(r for v in c.person_fuzzy.values() for r in v),
        )
    if c.fuzzy:
        ranked = sorted(c.fuzzy, reverse=True)
        best_s, best_o, why = ranked[0]
        rival = next((s for s, o, _ in ranked[1:] if o != best_o), 0.0)
        if best_s - rival >= FUZZY_MARGIN:
            return LinkResult(
                best_o,
                "name_fuzzy",
                round(0.6 + 0.3 * (best_s - FUZZY_MIN) / (100 - FUZZY_MIN), 2),
                [best_o],
                why,
            )
        cands = sorted({o for _, o, _ in ranked})
        return LinkResult(
            None, "ambiguous", 0.0, cands, "close to several names: " + "; ".join(r for *_, r in ranked)
        )
    if c.within:
        if len(c.within) == 1:
            o, why = next(iter(c.within.items()))
            return LinkResult(o, "name_within", 0.8, [o], why)
        return LinkResult(
            None, "ambiguous", 0.0, sorted(c.within), "holds several names: " + "; ".join(c.within.values())
        )
    if len(by_file) == 1:
        o, name = next(iter(by_file.items()))
        printed_note = f"; document shows {shows} (no match)" if c.printed else ""
        return LinkResult(
            o, "filename", 0.7, [o], f"file name '{hints.filename}' names '{name}'{printed_note}"
        )
    if len(by_file) > 1:
        return LinkResult(
            None,
            "ambiguous",
            0.0,
            sorted(by_file),
            f"file name '{hints.filename}' names several organizations",
        )
    return LinkResult(None, "none", 0.0, [], f"document shows {shows}; no registered organization matches")
