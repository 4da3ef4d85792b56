"""Read a certificate of liability insurance (ACORD 25 and look-alikes) the way a clerk does.

The clerk finds the printed labels (INSURED, INSURER A :, COMMERCIAL GENERAL LIABILITY, EACH
OCCURRENCE, POLICY EFF, DESCRIPTION OF OPERATIONS, CERTIFICATE HOLDER ...), works out the row bands
of the coverage grid and the columns from the header labels, and reads the values there. Nothing here
depends on the coordinates of one edition: every position is taken from labels found on the page.
Every other layout (a grid with its own labels, a memorandum's coverage table in any column order, a carrier's
own certificate of "Label: value" lines, an evidence-of-coverage letter) is read by any_layout; on an ACORD 25
the grid reading stands and the other only fills what it left unread.

The package's parts: grid (the ACORD coverage grid), insurers (INSURER A ... F and ratings),
blocks (insured, holder, description, issue date), statements (additional insured, prose ratings,
'Label: value' lines), checkboxes, second_reading, values, geometry; any_layout reads every other
layout (labels, coverage tables in any column order, letters' sentences)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image
from rapidfuzz import fuzz

from extractors.coi.any_layout import read_page
from extractors.coi.blocks import _description, _holder, _insured_block, _issue_date, _split_insured
from extractors.coi.geometry import _fv, _none
from extractors.coi.grid import (
    _band_words,
    _grid,
    _insr_letter,
    _limit_value,
    _main_page_index,
    _pick_eff_exp,
    _policy_dates,
    _policy_number,
    _trigger,
)
from extractors.coi.insurers import _Insurer, _insurers
from extractors.coi.second_reading import _line_read_again, _reread_rows
from extractors.coi.statements import (
    _ai_statement,
    _endorsement_names_aps,
    _names_aps,
    _plain_text_fields,
    _rating_in_text,
    _without_label,
    _words_for,
)
from extractors.coi.values import _rating_strip, _second_look_rating
from extractors.labelvalue import with_small_print
from extractors.layout import find_phrase, norm_token, text_of, trim_specks
from extractors.model import FIELDS_BY_TYPE, Evidence, FieldValue, PageText
from extractors.normalize import clean_spaces
from extractors.pagetext import turn_sideways_page

# Names under which Albuquerque Public Schools may be named additional insured when the policy file cannot be
# read (the policy file's additional_insured_names are the ones used: see policy_aps_names()).
APS_NAMES: tuple[str, ...] = (
    "Albuquerque Public Schools",
    "APS",
    "Board of Education of the Albuquerque Public Schools",
    "Albuquerque Municipal School District No. 12",
)


def policy_aps_names(policy_path: Path | str | None = None) -> tuple[str, ...]:
    """Who counts as APS for the additional-insured rule: the additional_insured_names of the policy file in
    use. That is the one given; else the policy the service is configured with ([sweep] policy in its
    config.toml, or COMPLIANCE_SWEEP_POLICY), which the checks use too; else the APS default."""
    if policy_path is None:
        from flows.service_settings import load_settings

        policy_path = load_settings().policy_path
    return _names_in(str(policy_path) if policy_path else None)


@lru_cache(maxsize=8)
def _names_in(policy_path: str | None) -> tuple[str, ...]:
    from validators.policy import PolicyError, load_policy

    try:
        return tuple(load_policy(policy_path).additional_insured_names)
    except (PolicyError, OSError):
        return APS_NAMES


FIELDS: tuple[str, ...] = tuple(FIELDS_BY_TYPE["coi"])  # the kind's fields, described once in model.py


ImageGetter = Callable[[int], Image.Image | None]


def extract_coi(
    pages: list[PageText],
    images: ImageGetter | None = None,
    *,
    aps_names: Sequence[str] | None = None,
) -> dict[str, FieldValue]:
    """Every COI field (value + evidence) read from the pages of one certificate."""
    names = tuple(aps_names) if aps_names else policy_aps_names()
    out: dict[str, FieldValue] = {f: _none() for f in FIELDS}
    if not pages:
        return out
    raw_pages = pages
    pages = [turn_sideways_page(p)[0] for p in pages]
    mi = _main_page_index(pages)
    page = pages[mi]
    img = None
    if images is not None:
        try:
            img = images(page.page_no)
        except Exception:  # a missing preview must not stop the reading
            img = None
    if img is not None and page is not raw_pages[mi]:
        # the preview shows the page as read; turn it the way the words were turned here
        img = turn_sideways_page(raw_pages[mi], img)[1]

    # --- issue date
    d, ws, how = _issue_date(page, img)
    if d:
        out["issue_date"] = _fv(d, page, ws, how)

    # --- insurers and insured
    ins = _insurers(page, img)
    insurer_x = min((x.words[0].x0 for x in ins.values() if x.words), default=None)
    ins_labels = [
        w
        for w in page.words
        if norm_token(w.text).startswith("insurer") and w.x0 > page.width * 0.3 and w.cy < page.height * 0.5
    ]
    if ins_labels:
        insurer_x = min(w.x0 for w in ins_labels)
    rows, how = _insured_block(page, insurer_x)
    if rows:
        # the box's own label when OCR garbled it ('RSURED') stands alone on the first row
        if len(rows[0]) == 1 and fuzz.ratio(norm_token(rows[0][0].text), "insured") >= 60:
            rows = rows[1:]
        rows = _reread_rows(page, img, rows)
    if rows:
        name_words, addr_rows = _split_insured(rows)
        name_words = trim_specks(_without_label(name_words, "insured"))
        if name_words:
            out["insured_name"] = _fv(clean_spaces(text_of(name_words)), page, name_words, how)
        if addr_rows:
            addr = ", ".join(clean_spaces(text_of(r)).strip(" ,") for r in addr_rows)
            addr = re.sub(r",\s*,", ",", addr)
            out["insured_address"] = _fv(addr, page, [w for r in addr_rows for w in r], how)

    # --- coverage grid
    g = _grid(page)
    gl_letter = None
    if g.gl_top is not None and g.gl_bottom is not None:
        band = _band_words(g, g.gl_top, g.gl_bottom)
        v, ws, how = _limit_value(g, "EACH OCCURRENCE", g.gl_top, g.gl_bottom)
        if v:
            out["gl_each_occurrence"] = _fv(v, page, ws, how)
        v, ws, how = _limit_value(g, "GENERAL AGGREGATE", g.gl_top, g.gl_bottom + 4)
        if v:
            out["gl_aggregate"] = _fv(v, page, ws, how)
        dates, _x = _policy_dates(g, band)
        eff, exp = _pick_eff_exp(g, dates)
        if eff:
            out["gl_effective"] = _fv(eff[0], page, eff[1], "GL row band, POLICY EFF column")
        if exp:
            out["gl_expiration"] = _fv(exp[0], page, exp[1], "GL row band, POLICY EXP column")
        pn, ws = _policy_number(g, band, eff[1] if eff else None)
        if pn:
            out["gl_policy_number"] = _fv(pn, page, ws, "GL row band, POLICY NUMBER column")
        gl_letter, _lw = _insr_letter(g, band, eff[1][0] if eff else None)
        out["coverage_trigger"] = _trigger(page, img, g, band)
    # --- umbrella
    if g.um_top is not None and g.um_bottom is not None:
        band = _band_words(g, g.um_top, g.um_bottom)
        v, ws, how = _limit_value(g, "EACH OCCURRENCE", g.um_top, g.um_bottom)
        if v:
            out["umbrella_each_occurrence"] = _fv(v, page, ws, "umbrella band: " + how)
        dates, _x = _policy_dates(g, band)
        eff, exp = _pick_eff_exp(g, dates)
        if eff and (v or exp):
            out["umbrella_effective"] = _fv(eff[0], page, eff[1], "umbrella row band, POLICY EFF column")
        if exp and (v or eff):
            out["umbrella_expiration"] = _fv(exp[0], page, exp[1], "umbrella row band, POLICY EXP column")

    # --- GL insurer and its rating
    gl_ins: _Insurer | None = None
    if gl_letter and gl_letter in ins:
        gl_ins = ins[gl_letter]
        how_ins = f"INSR LTR '{gl_letter}' on the GL row -> INSURER {gl_letter}"
        rel = 0.9
    elif ins:
        named = [x for x in ins.values() if x.name]
        if named:
            gl_ins = ins.get("A") if ins.get("A") and ins["A"].name else named[0]
            how_ins = f"GL letter not read; assumed INSURER {gl_ins.letter}"
            rel = 0.5
    if gl_ins is not None and gl_ins.name:
        out["insurer_name"] = _fv(gl_ins.name, page, gl_ins.words, how_ins, rel)

    # --- description, holder, additional insured
    desc, dws = _description(page, img)
    if desc is not None:
        out["description"] = _fv(desc, page, dws, "label 'DESCRIPTION OF OPERATIONS' -> block below")
    holder, hws = _holder(page)
    if holder:
        out["certificate_holder"] = _fv(holder, page, hws, "label 'CERTIFICATE HOLDER' -> first line of the box")

    # rating: insurer row first, then prose (description, other pages)
    if gl_ins is not None and gl_ins.rating:
        r_words = gl_ins.rating_words or gl_ins.words
        rating, how = _second_look_rating(img, gl_ins.rating, r_words, page)
        out["am_best_rating"] = _fv(rating, page, r_words, f"rating printed with INSURER {gl_ins.letter}{how}")
    else:
        others = [x.name for x in ins.values() if x is not gl_ins and x.name]
        gl_name = gl_ins.name if gl_ins else None
        texts = [(page, desc or "", dws)] + [
            (p, p.text.replace("\n", " "), p.words) for i, p in enumerate(pages) if i != mi
        ]
        for p, t, ws in texts:
            r, s, whole = _rating_in_text(t, gl_name, others)
            if r:
                how = "A.M. Best statement in text" + ("" if whole else " (size class unreadable: grade only)")
                s_words = _words_for(ws, s)
                if whole and p is page:
                    r, again = _second_look_rating(img, r, _rating_strip(s_words), page)
                    how += again
                out["am_best_rating"] = _fv(r, p, s_words, how, 0.8 if whole else 0.4)
                break

    holder_is_aps = bool(holder and _names_aps(holder, names))
    ai = False
    ai_ev: FieldValue | None = None
    if desc:
        ok, s = _ai_statement(desc, names, holder_is_aps)
        if ok:
            ai = True
            ai_ev = _fv(True, page, _words_for(dws, s), "description names APS as additional insured")
    if not ai:
        for i, p in enumerate(pages):
            if i == mi:
                continue
            ok, ws = _endorsement_names_aps(p, names)
            if ok:
                ai = True
                ai_ev = _fv(True, p, ws, "additional insured endorsement schedule names APS")
                break
            ok, s = _ai_statement(p.text.replace("\n", " "), names, holder_is_aps)
            if ok:
                ai = True
                ai_ev = _fv(True, p, _words_for(p.words, s), "remarks page names APS as additional insured")
                break
    out["additional_insured_aps"] = (
        ai_ev
        if ai and ai_ev
        else FieldValue(False, Evidence(page.page_no, None, "", 0.6, "no statement naming APS as additional insured"))
    )

    # --- not an ACORD grid: read 'Label: value' text
    if g.gl_top is None or out["insured_name"].value is None:
        for k, fvv in _plain_text_fields(page).items():
            if out[k].value is None:
                out[k] = fvv

    # --- any other layout: labels, a coverage table in any column order, sentences
    out = _with_any_layout(out, page, pages, mi, names, img)
    for k in (*_NAME_FIELDS, "description"):
        fv = out[k]
        if isinstance(fv.value, str) and "!" in fv.value:
            out[k] = FieldValue(_l_not_bang(fv.value, k != "description"), fv.evidence)
    return out


_NAME_FIELDS = ("insured_name", "insured_address", "insurer_name", "certificate_holder")


def _l_not_bang(text: str, name: bool) -> str:
    """OCR reads a faint 'l' after letters as '!' ('Schoo! District No. 12'). Names and addresses hold no
    '!' at all; in a description only one inside a word is an 'l' (one after a word may end a sentence)."""
    text = re.sub(r"(?<=[A-Za-z])!(?=[a-z])", "l", text)
    if not name:
        return text
    return re.sub(r"(?<=[a-z]{3})!(?=[\s,;:.]|$)", "l", text)


def _is_acord_grid(page: PageText) -> bool:
    """An ACORD 25 (any edition): its name printed on the form, or its 'INSURER(S) AFFORDING COVERAGE' box."""
    toks = [norm_token(w.text) for w in page.words]
    if any(t.startswith("acord") for t in toks):
        return True
    return bool(find_phrase(page, "INSURER(S) AFFORDING COVERAGE", 90))


_COVERAGE_FIELDS = (
    "insurer_name",
    "gl_policy_number",
    "gl_effective",
    "gl_expiration",
    "gl_each_occurrence",
    "gl_aggregate",
    "coverage_trigger",
)


# fields a non-ACORD reading may take from the grid reader's generic parts (blocks found by their labels)
_GRID_SAFE_ON_OTHER_LAYOUTS = ("insured_name", "insured_address", "issue_date", "certificate_holder")


def _with_any_layout(
    out: dict[str, FieldValue],
    page: PageText,
    pages: list[PageText],
    mi: int,
    names: Sequence[str],
    img: Image.Image | None = None,
) -> dict[str, FieldValue]:
    """Merge the layout-independent reading with the ACORD grid reading.

    On an ACORD 25 the grid reading stands and the other only fills what it left unread; on any other
    layout the layout-independent reading stands, and of the grid reading only label-found blocks are
    kept where it found nothing (the grid's column positions mean nothing on another form)."""
    read_again = (lambda words: _line_read_again(page, img, words)) if img is not None else None
    got = read_page(page, names, read_again)
    # the grid reading stands where the form is an ACORD 25, or where it reads more of the coverage
    # (an ACORD photo whose form name and box titles OCR lost)
    grid_count = sum(out[k].value is not None for k in _COVERAGE_FIELDS)
    any_count = sum(got.fields.get(k) is not None and got.fields[k].value is not None for k in _COVERAGE_FIELDS)
    acord = _is_acord_grid(page) or (grid_count > any_count and grid_count >= 3)
    merged = dict(out)
    for k in FIELDS:
        if k == "additional_insured_aps":
            continue
        mine = got.fields.get(k)
        if acord:
            # only where the grid found nothing at all: a value it left unread on purpose ('trigger boxes
            # unclear', 'neither box ticked') stays unread
            if out[k].value is None and out[k].evidence is None and mine is not None and mine.value is not None:
                merged[k] = mine
            continue
        if mine is not None and (
            mine.value is not None or k not in _GRID_SAFE_ON_OTHER_LAYOUTS or out[k].value is None
        ):
            merged[k] = mine
        elif k not in _GRID_SAFE_ON_OTHER_LAYOUTS:
            merged[k] = _none()
    if not acord:
        _labels_read_again(merged, page, names, img)
    for k in (
        "gl_each_occurrence",
        "gl_effective",
        "gl_expiration",
        "insurer_name",
        "coverage_trigger",
        "am_best_rating",
        "insured_name",
    ):
        if merged[k].value is None and merged[k].evidence is None:
            merged[k] = FieldValue(None, Evidence(page.page_no, None, "", 0.0, _NOT_FOUND[k]))
    if not acord:
        if merged["am_best_rating"].value is None:
            _rating_from_text(merged, page, pages, mi, None)
        merged["additional_insured_aps"] = _additional_insured(
            merged, page, pages, mi, names, got.fields.get("additional_insured_aps")
        )
    return merged


def _labels_read_again(
    out: dict[str, FieldValue], page: PageText, names: Sequence[str], img: Image.Image | None
) -> None:
    """A block whose caption the whole-page OCR missed ('NAMED INSURED' printed small above the insured's
    name and address, beside an 'ISSUED TO' block it did read): the page's small print is read again from
    the image and the label-found blocks are looked for once more. Only what the first reading left unread
    is filled, and only from a caption now read (never a block guessed by its position)."""
    missing = [k for k in _GRID_SAFE_ON_OTHER_LAYOUTS if out[k].value is None]
    if img is None or page.source != "ocr" or not missing:
        return
    again = with_small_print(page, img)
    if again is page:
        return
    got = read_page(again, names).fields
    for k in missing:
        mine = got.get(k)
        if mine is not None and mine.value is not None:
            out[k] = mine
            if k == "insured_name" and out["insured_address"].value is None and got.get("insured_address"):
                out["insured_address"] = got["insured_address"]


_NOT_FOUND = {
    "gl_each_occurrence": "GL each-occurrence limit not found: no limits table or sentence recognised",
    "gl_effective": "GL policy dates not found: no policy period recognised on the GL coverage",
    "gl_expiration": "GL policy dates not found: no policy period recognised on the GL coverage",
    "insurer_name": "GL insurer not found: no insurer list, carrier column or 'issued by' sentence recognised",
    "coverage_trigger": "occurrence or claims-made not found: no box, mark or words recognised on the GL coverage",
    "am_best_rating": "A.M. Best rating not found on the certificate",
    "insured_name": "named insured not found: no insured label or sentence recognised",
}


def _rating_from_text(
    out: dict[str, FieldValue], page: PageText, pages: list[PageText], mi: int, img: Image.Image | None
) -> None:
    """A rating stated in remarks or on another page, tied to the GL insurer (or to no other insurer)."""
    gl_name = out["insurer_name"].value
    desc = out["description"].value or ""
    texts = [(page, str(desc), [])] + [(p, p.text.replace("\n", " "), p.words) for i, p in enumerate(pages) if i != mi]
    for p, t, ws in texts:
        r, s, whole = _rating_in_text(t, str(gl_name) if gl_name else None, [])
        if r:
            how = "A.M. Best statement in text" + ("" if whole else " (size class unreadable: grade only)")
            out["am_best_rating"] = _fv(r, p, _words_for(ws or page.words, s), how, 0.8 if whole else 0.4)
            return


def _additional_insured(
    out: dict[str, FieldValue],
    page: PageText,
    pages: list[PageText],
    mi: int,
    names: Sequence[str],
    stated: FieldValue | None,
) -> FieldValue:
    """APS named as additional insured: in the remarks or the letter, or in an endorsement's schedule."""
    if stated is not None and stated.value is True:
        return stated
    holder = out["certificate_holder"].value
    holder_is_aps = bool(holder and _names_aps(str(holder), names))
    for i, p in enumerate(pages):
        if i == mi:
            continue
        ok, ws = _endorsement_names_aps(p, names)
        if ok:
            return _fv(True, p, ws, "additional insured endorsement schedule names APS")
        ok, s = _ai_statement(p.text.replace("\n", " "), names, holder_is_aps)
        if ok:
            return _fv(True, p, _words_for(p.words, s), "remarks page names APS as additional insured")
    return FieldValue(False, Evidence(page.page_no, None, "", 0.6, "no statement naming APS as additional insured"))
