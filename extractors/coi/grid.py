"""The ACORD 25 coverage grid: row bands of general liability and umbrella, columns from the header labels,
limits, policy dates, policy number, insurer letter and the occurrence / claims-made boxes of the GL row."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PIL import Image

from extractors.coi.checkboxes import _checked
from extractors.coi.geometry import _dedupe_overlaps, _find, _find_token, _fv, _is_noise, _Label, _none, _same_row
from extractors.coi.values import _dates_in, _money
from extractors.layout import evidence, find_phrase, norm_token
from extractors.model import FieldValue, PageText, Word
from extractors.normalize import clean_spaces

_MAIN_LABELS = (
    "CERTIFICATE OF LIABILITY INSURANCE",
    "COVERAGES",
    "INSURER A",
    "EACH OCCURRENCE",
    "COMMERCIAL GENERAL LIABILITY",
    "CERTIFICATE HOLDER",
    "DESCRIPTION OF OPERATIONS",
    "POLICY NUMBER",
    "GENERAL AGGREGATE",
    "INSURED",
)


def _main_page_index(pages: Sequence[PageText]) -> int:
    best, best_score = 0, -1.0
    for i, p in enumerate(pages):
        score = sum(1 for lab in _MAIN_LABELS if find_phrase(p, lab, 80))
        score -= 3 if find_phrase(p, "THIS ENDORSEMENT CHANGES THE POLICY", 80) else 0
        score -= 3 if find_phrase(p, "THIS ENDORSEMENT MODIFIES", 80) else 0
        if score > best_score:
            best, best_score = i, score
    return best


@dataclass(slots=True)
class _Grid:
    page: PageText
    words: list[Word]
    gl_top: float | None = None
    gl_bottom: float | None = None
    um_top: float | None = None
    um_bottom: float | None = None
    limits_x: float | None = None  # left edge of the limits labels
    type_x1: float | None = None  # right edge of the type-of-insurance column
    type_x0: float | None = None  # left edge of the type-of-insurance column
    pol_left: float | None = None
    eff_cx: float | None = None
    exp_cx: float | None = None
    occ_labels: list[_Label] | None = None
    gl_label: _Label | None = None
    um_label: _Label | None = None


def _grid(page: PageText) -> _Grid:
    words = [w for w in page.words if not _is_noise(w)]
    g = _Grid(page, words)
    occ = [lab for lab in _find(page, "EACH OCCURRENCE", 80) if lab.x0 > page.width * 0.35]
    g.occ_labels = occ
    gl = _find(page, "COMMERCIAL GENERAL LIABILITY", 80) or _find(page, "GENERAL LIABILITY", 85)
    gl = [lab for lab in gl if lab.x0 < page.width * 0.4]
    auto = [lab for lab in _find(page, "AUTOMOBILE LIABILITY", 80) if lab.x0 < page.width * 0.4]
    um = [lab for lab in _find(page, "UMBRELLA LIAB", 78) if lab.x0 < page.width * 0.45]
    exc = [lab for lab in _find(page, "EXCESS LIAB", 78) if lab.x0 < page.width * 0.45]
    wc = [lab for lab in _find(page, "WORKERS COMPENSATION", 80) if lab.x0 < page.width * 0.45]
    desc = _find(page, "DESCRIPTION OF OPERATIONS", 80)
    if occ:
        g.limits_x = min(lab.x0 for lab in occ)
    gl_lab = gl[0] if gl else None
    if gl_lab is None and occ:
        gl_lab = None
    g.gl_label = gl_lab
    if gl_lab is not None:
        g.gl_top = gl_lab.y0 - 3
        # 2010 edition: a 'GENERAL LIABILITY' heading (and the policy line) sits just above the CGL box
        above = [
            lab
            for lab in _find(page, "GENERAL LIABILITY", 85) + occ[:1]
            if (0 < gl_lab.y0 - lab.y0 <= 25 and lab.x0 < page.width * 0.4) or lab in occ[:1]
        ]
        above = [lab for lab in above if 0 < gl_lab.y0 - lab.y0 <= 25]
        if above:
            g.gl_top = min(lab.y0 for lab in above) - 3
        g.type_x0 = gl_lab.x0 - 14
        g.type_x1 = gl_lab.x1
    elif occ:
        g.gl_top = occ[0].y0 - 3
    if g.gl_top is not None:
        nxt = [lab.y0 for lab in auto + um + exc + wc + desc if lab.y0 > g.gl_top + 15]
        if not auto:
            nxt += [lab.y0 - 14 for lab in _find(page, "COMBINED SINGLE LIMIT", 80) if lab.y0 > g.gl_top + 15]
        nxt += [lab.y0 - 3 for lab in occ if lab.y0 > g.gl_top + 30]
        g.gl_bottom = min(nxt) - 2 if nxt else g.gl_top + 80
    # umbrella band: umbrella/excess label, else the second EACH OCCURRENCE in the limits column
    um_lab = (um + exc)[0] if (um or exc) else None
    if um and exc:
        um_lab = min(um[0], exc[0], key=lambda lab: lab.y0)
    g.um_label = um_lab
    later_occ = [lab for lab in occ if g.gl_bottom is not None and lab.y0 > g.gl_bottom - 1]
    if um_lab is not None:
        g.um_top = um_lab.y0 - 3
        if later_occ and abs(later_occ[0].y0 - um_lab.y0) < 25:
            g.um_top = min(g.um_top, later_occ[0].y0 - 3)
    elif later_occ:
        g.um_top = later_occ[0].y0 - 3
    if g.um_top is not None:
        nxt = [lab.y0 for lab in wc + desc if lab.y0 > g.um_top + 12]
        nxt += [lab.y0 - 4 for lab in _find(page, "PER STATUTE", 80) if lab.y0 > g.um_top + 12]
        g.um_bottom = min(nxt) - 2 if nxt else g.um_top + 36
    # columns from the header labels
    hdr_top = (g.gl_top or page.height) - 45
    hdr_region = (0, hdr_top, page.width, (g.gl_top or page.height) + 2)
    pol = _find(page, "POLICY NUMBER", 80, hdr_region) or [
        _Label([w]) for w in _find_token(page, ["policynumber"], 80, hdr_region)
    ]
    addl = _find(page, "ADDL", 75, hdr_region) + _find(page, "INSD", 75, hdr_region)
    subr = _find(page, "SUBR", 75, hdr_region) + _find(page, "WVD", 75, hdr_region)
    eff = _find(page, "POLICY EFF", 80, hdr_region)
    exp = _find(page, "POLICY EXP", 80, hdr_region)
    if pol:
        g.pol_left = pol[0].x0 - 0.5 * (pol[0].x1 - pol[0].x0)
    if subr:
        g.pol_left = max(lab.x1 for lab in subr) + 1.5
    elif addl and not pol:
        g.pol_left = max(lab.x0 for lab in addl) - 2
    if eff:
        g.eff_cx = (eff[0].x0 + eff[0].x1) / 2
    if exp:
        g.exp_cx = (exp[0].x0 + exp[0].x1) / 2
    if g.type_x1 is None and pol:
        g.type_x1 = pol[0].x0 - 40
    return g


def _band_words(g: _Grid, top: float, bottom: float) -> list[Word]:
    return _dedupe_overlaps([w for w in g.words if top <= w.cy <= bottom])


def _limit_value(g: _Grid, label_phrase: str, top: float, bottom: float) -> tuple[int | None, list[Word], str]:
    """The amount printed right of a limits label inside a band."""
    page = g.page
    cands = [lab for lab in _find(page, label_phrase, 80, (page.width * 0.35, top, page.width, bottom))]
    if not cands:
        return None, [], ""
    lab = cands[0]
    row = _same_row(_band_words(g, top - 4, bottom + 4), lab.cy, lab.h, lab.x1 + 1, page.width)
    row = [w for w in row if re.search(r"\d", w.text)]
    v = _money(row)
    return v, row, f"label '{label_phrase}' -> same row, limits column"


def _policy_dates(g: _Grid, band: list[Word]) -> tuple[list[tuple[date, list[Word]]], float]:
    """Effective and expiration dates in a band (left of the limits column), assigned by column."""
    x_hi = (g.limits_x or g.page.width * 0.68) - 2
    x_lo = g.pol_left if g.pol_left is not None else (g.type_x1 or 0)
    cand = [w for w in band if x_lo - 5 <= w.cx <= x_hi or (w.x0 < x_hi and w.x1 > x_lo and "/" in w.text)]
    dates = _dates_in(cand)
    return dates, x_hi


def _pick_eff_exp(g: _Grid, dates: list[tuple[date, list[Word]]]) -> tuple[tuple[date, list[Word]] | None, ...]:
    if not dates:
        return None, None
    # keep the row that holds the most dates (the policy row), then order by column
    rows: dict[int, list[tuple[date, list[Word]]]] = {}
    for d in dates:
        key = round(d[1][0].cy / 4)
        rows.setdefault(key, []).append(d)
    best = max(rows.values(), key=lambda r: (len(r) >= 2, -min(x[1][0].cy for x in r)))
    if len(best) < 2:
        best = sorted(dates, key=lambda d: (d[1][0].cy, d[1][0].x0))[:2]
    eff = exp = None
    if g.eff_cx is not None and g.exp_cx is not None and len(best) >= 2 and best[0][1][0] is not best[1][1][0]:
        eff = min(best, key=lambda d: abs((d[1][0].x0 + d[1][0].x1) / 2 - g.eff_cx))
        rest = [d for d in best if d is not eff]
        exp = min(rest, key=lambda d: abs((d[1][0].x0 + d[1][0].x1) / 2 - g.exp_cx)) if rest else None
    else:
        ordered = best  # already left-to-right (and in-string order for glued tokens)
        eff = ordered[0]
        exp = ordered[1] if len(ordered) > 1 else None
    if eff and exp and exp[0] < eff[0]:
        eff, exp = exp, eff
    return eff, exp


_YN = re.compile(r"^[|\[\]()YyNnXx¥:;,._\-]{1,3}$|^N/?A$")


def _policy_number(g: _Grid, band: list[Word], eff_words: list[Word] | None) -> tuple[str | None, list[Word]]:
    if not eff_words:
        return None, []
    ref = eff_words[0]
    x_lo = g.pol_left if g.pol_left is not None else (g.type_x1 or 0) + 5
    row = _same_row(band, ref.cy, ref.height, x_lo - 3, ref.x0 - 0.5)
    row = [w for w in row if w.x1 <= ref.x0 + 1 and w is not ref]
    while row and _YN.match(row[0].text.strip()):
        row = row[1:]
    while row and _YN.match(row[-1].text.strip()):
        row = row[:-1]
    if not row:
        # the number may sit on its own row inside the band
        cand = [w for w in band if x_lo - 3 <= w.cx <= ref.x0 - 1 and re.search(r"\d", w.text) and len(w.text) >= 4]
        if not cand:
            return None, []
        ref2 = min(cand, key=lambda w: abs(w.cy - ref.cy))
        row = _same_row(band, ref2.cy, ref2.height, x_lo - 3, ref.x0 - 0.5)
        row = [w for w in row if not _YN.match(w.text.strip())]
    # the number's words stand close together; a stray mark further left (ADDL/SUBR column) is not part
    while (
        len(row) > 1
        and row[1].x0 - row[0].x1 > 12
        and (not re.search(r"\d", row[0].text) or len(row[0].text.strip()) <= 1)
    ):
        row = row[1:]
    text = clean_spaces(" ".join(w.text for w in row)).strip("|[]() ")
    text = re.sub(r"^[YNX¥][/|\\]\s*", "", text)
    text = re.sub(r"\s*\|\s*", " ", text)
    if not re.search(r"\d", text) or len(re.sub(r"\W", "", text)) < 4:
        return None, []
    return text, row


def _insr_letter(g: _Grid, band: list[Word], ref: Word | None) -> tuple[str | None, list[Word]]:
    x_hi = (g.type_x0 + 12) if g.type_x0 is not None else g.page.width * 0.1
    cands = []
    for w in band:
        if w.x1 > x_hi + 2:
            continue
        t = re.sub(r"[^A-Za-z]", "", w.text)
        if len(t) == 1 and t.upper() in "ABCDEF" and len(w.text.strip()) <= 3:
            cands.append(w)
    if not cands:
        return None, []
    w = min(cands, key=lambda w: abs(w.cy - ref.cy) if ref else w.cy)
    return re.sub(r"[^A-Za-z]", "", w.text).upper(), [w]


def _trigger(page: PageText, img: Image.Image | None, g: _Grid, band: list[Word]) -> FieldValue:
    """Which box is ticked on the GL row: CLAIMS-MADE or OCCUR (None when neither)."""
    x_hi = g.pol_left if g.pol_left is not None else page.width * 0.4
    region = (0.0, g.gl_top or 0.0, x_hi, g.gl_bottom or page.height)
    cm = [w for w in _find_token(page, ["claimsmade", "claimsmane", "ctamsmave"], 62, region)]
    oc = [w for w in _find_token(page, ["occur"], 75, region) if len(norm_token(w.text)) <= 7]
    results: list[tuple[str, bool | None, float | None, Word]] = []
    # OCR gives a word in small letters ('occur') a box of the letters' x-height; the printed box beside it is as
    # tall as the capitals of its neighbour ('CLAIMS-MADE'), so it is looked for at that height
    cap = max((ws[0].height for ws in (cm, oc) if ws), default=0.0)
    for key, ws in (("claims_made", cm), ("occurrence", oc)):
        if not ws:
            continue
        w = ws[0]
        probe = w
        if w.height < 0.75 * cap:
            probe = Word(w.text, w.x0, w.cy - cap / 2, w.x1, w.cy + cap / 2, w.conf, w.line)
        checked, ink = _checked(page, img, probe)
        results.append((key, checked, ink, w))
    if not results:
        return _none()
    inks = [r for r in results if r[2] is not None]
    if len(inks) == 2:
        a, b = inks
        if a[1] and b[1]:
            pick = a if a[2] >= b[2] else b  # both look inked: the darker one
            return _fv(pick[0], page, [pick[3]], "checkbox ink left of label (both inked)", 0.5)
    ticked = [r for r in results if r[1]]
    if len(ticked) == 1:
        r = ticked[0]
        how = "checkbox ink left of label" if r[2] is not None else "check mark read as text left of label"
        return _fv(r[0], page, [r[3]], how, 0.9)
    if not ticked and all(r[1] is False for r in results):
        return FieldValue(None, evidence(page, [r[3] for r in results], "neither box ticked", 0.8))
    return FieldValue(None, evidence(page, [r[3] for r in results], "trigger boxes unclear", 0.3))
