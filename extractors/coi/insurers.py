"""The INSURER A ... F list of an ACORD 25 with names and any rating printed on the row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from PIL import Image
from rapidfuzz import fuzz

from extractors.coi.geometry import _dedupe_overlaps, _find, _is_noise
from extractors.coi.second_reading import _better_reading
from extractors.coi.values import _BEST_RE, _rating
from extractors.layout import norm_token
from extractors.model import PageText, Word
from extractors.normalize import clean_spaces


@dataclass(slots=True)
class _Insurer:
    letter: str
    name: str | None
    rating: str | None
    words: list[Word]
    rating_words: list[Word]


_LETTER_OCR = {"8": "B", "0": "D", "O": "D", "€": "E", "£": "E", "P": "F"}


def _read_letter(text: str) -> str | None:
    t = re.sub(r"[:;.,=>}\]\[|]", "", text.strip())
    if len(t) != 1:
        return None
    t = _LETTER_OCR.get(t, t).upper()
    return t if t in "ABCDEF" else None


def _insurers(page: PageText, img: Image.Image | None = None) -> dict[str, _Insurer]:
    """The INSURER A : ... F : list with names and any rating printed on the same row.

    The labels stand in one column, one row each, A to F from the top; when OCR garbles a letter
    it is recovered from the row's position in that column."""
    seeds = []
    for w in page.words:
        t = norm_token(w.text)
        if w.x0 < page.width * 0.3 or w.cy > page.height * 0.5 or not 6 <= len(t) <= 9:
            continue
        if t in ("insured", "insurers") or fuzz.ratio(t[:7], "insurer") < 80:
            continue
        seeds.append(w)
    if not seeds:
        return {}
    xs = sorted(w.x0 for w in seeds)
    col_x = xs[len(xs) // 2]
    seeds = [w for w in seeds if abs(w.x0 - col_x) <= 10]
    hdr = [w for w in page.words if norm_token(w.text).startswith("afford") and w.cy < page.height * 0.5]
    y_top = max(hdr[0].y1 if hdr else 0, min(w.y0 for w in seeds) - 14)
    y_bot = max(w.y1 for w in seeds) + 14
    cov = [w for w in page.words if norm_token(w.text) == "coverages" and y_top < w.cy]
    if cov:
        y_bot = min(y_bot, cov[0].y0)
    col = [w for w in page.words if abs(w.x0 - col_x) <= 9 and y_top <= w.cy <= y_bot and not _is_noise(w)]
    col = [w for w in col if norm_token(w.text) not in ("insurers", "insurer(s)")]
    heads: list[Word] = []
    for w in sorted(col, key=lambda w: w.cy):
        if heads and abs(heads[-1].cy - w.cy) < 5:
            continue
        heads.append(w)
    if not heads:
        return {}
    # read letters where they are legible
    rows: list[tuple[Word, str | None, float]] = []
    for w in heads:
        t = norm_token(w.text)
        letter = None
        right = w.x1
        if len(t) == 8 and fuzz.ratio(t[:7], "insurer") >= 80:
            letter = _read_letter(w.text.strip(" :;")[-1])
        if letter is None:
            near = sorted(
                (x for x in page.words if -1 <= x.x0 - w.x1 <= 14 and abs(x.cy - w.cy) <= 0.9 * max(w.height, 6)),
                key=lambda x: x.x0,
            )
            for x in near[:2]:
                got = _read_letter(x.text)
                if got:
                    letter, right = got, x.x1
                    break
                if re.fullmatch(r"[:;=>}]", x.text.strip()):
                    right = x.x1
        rows.append((w, letter, right))
    pitch = None
    read = [(w.cy, "ABCDEF".index(letter)) for w, letter, _ in rows if letter]
    pairs = [((b[0] - a[0]) / (b[1] - a[1])) for a, b in pairwise(read) if b[1] > a[1]]
    pairs = [p for p in pairs if 7 <= p <= 30]
    if pairs:
        pitch = sorted(pairs)[len(pairs) // 2]
    elif len(rows) > 1:
        diffs = sorted(b[0].cy - a[0].cy for a, b in pairwise(rows))
        pitch = diffs[len(diffs) // 2]
    if pitch and read:
        offs = sorted(cy - i * pitch for cy, i in read)
        cy_a = offs[len(offs) // 2]
    else:
        cy_a = rows[0][0].cy
    naic = _find(page, "NAIC", 80)
    naic_x = min((lab.x0 for lab in naic), default=page.width) - 6
    out: dict[str, _Insurer] = {}
    for i, (w, letter, right) in enumerate(rows):
        if pitch:
            k = round((w.cy - cy_a) / pitch)
            pos_letter = "ABCDEF"[k] if 0 <= k < 6 else None
            letter = pos_letter or letter
        elif letter is None:
            letter = "ABCDEF"[i] if i < 6 else None
        if letter is None:
            continue
        top = (rows[i - 1][0].cy + w.cy) / 2 if i else w.y0 - 4
        bottom = (rows[i + 1][0].cy + w.cy) / 2 if i + 1 < len(rows) else w.y1 + 4
        if pitch:
            top, bottom = max(top, w.cy - 0.55 * pitch), min(bottom, w.cy + 0.55 * pitch)
        row = _dedupe_overlaps(
            [
                x
                for x in page.words
                if x.x0 >= right - 0.5
                and x.x1 <= naic_x + 8
                and top <= x.cy <= bottom
                and x.x0 < naic_x
                and not _is_noise(x)
                and x is not w
            ]
        )
        row = [x for x in row if not re.fullmatch(r"[A-Fa-f8]?\s*[:;=>}]", x.text.strip())]
        row = sorted(row, key=lambda x: x.x0)
        row_main = [x for x in row if abs(x.cy - w.cy) <= 0.75 * max(w.height, 6)] or row
        if len(re.sub(r"[^A-Za-z]", "", "".join(x.text for x in row_main))) >= 4:  # a name, not a speck
            again = _better_reading(page, img, row_main, right, naic_x)
            if again is not row_main:
                again = [x for x in again if x.x0 >= right - 2 and not re.fullmatch(r"[A-Fa-f8]?\s*[:;=>}|]", x.text)]
                row = row_main = again or row_main
        text = " ".join(x.text for x in row_main)
        rating_text = " ".join(x.text for x in row)
        name, rating, r_words = _split_name_rating(text, text, row_main)
        if rating is None:
            _n, rating, r_words = _split_name_rating(text, rating_text, row)
        name_words = [x for x in row_main if x not in r_words]
        out.setdefault(letter, _Insurer(letter, name, rating, name_words, r_words))
    return out


def _split_name_rating(text: str, full: str, row: list[Word]) -> tuple[str | None, str | None, list[Word]]:
    m = _BEST_RE.search(text)
    name = text[: m.start()] if m else text
    name = re.sub(r"\s*\b\d{4,6}\b\s*$", "", name)
    name = re.sub(r"^[A-F]\s*[:;]\s*(?=[A-Za-z])", "", clean_spaces(name))  # the row's letter glued on: 'A:FEDERATED'
    name = clean_spaces(name).strip(" ,;:-|")
    rating = None
    r_words: list[Word] = []
    mm = _BEST_RE.search(full)
    if mm:
        rating, _s, _e = _rating(full[mm.end() :])
        start_x = None
        pos = 0
        for x in row:
            pos = full.find(x.text, pos)
            if pos >= mm.start() and start_x is None:
                start_x = x.x0
            pos += len(x.text)
        r_words = [x for x in row if start_x is not None and x.x0 >= start_x]
    return (name or None), rating, r_words
