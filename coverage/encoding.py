"""Repairing Vietnamese text written in legacy 8-bit encodings.

Planners' shapefiles were often made years ago with legacy Vietnamese fonts:

* **TCVN3** (TCVN 5712:1993, "ABC", the ``.VnTime`` fonts): one byte per letter;
* **VNI** (VNI-Windows, the ``VNI-Times`` fonts): a base letter followed by a
  byte that draws its marks (``"oâ"`` is ô, ``"ôù"`` is ớ);
* **Windows-1258** (cp1258): precomposed letters where Latin-1 has them, else a
  base letter and a combining tone mark.

A ``.dbf`` without a ``.cpg`` is usually read as Latin-1/cp1252, so each legacy
byte becomes one character and names come out as mojibake: ``"Th«n §«ng"``
(TCVN3) or ``"Thoân Ñoâng"`` (VNI) for "Thôn Đông". :func:`to_unicode` turns such
strings (or the raw bytes) back into NFC Unicode, :func:`detect` recognises the
encoding of a column by counting valid Vietnamese syllables after each candidate
conversion, and :func:`fix_frame` repairs every text column of a (Geo)DataFrame.

>>> to_unicode("Th«n §«ng", "tcvn3")
'Thôn Đông'
>>> detect(["Thoân Ñoâng", "Xaõ Quaûng Hôïp"])
'vni'

The tables were written from the TCVN 5712:1993 code table (VN1, whose lower
half and Vietnamese capitals the ``.VnTime`` fonts share) and the VNI-Windows
code table; every one of the 134 accented letters round-trips (see the tests).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ENCODINGS", "detect", "fix_frame", "to_unicode"]

#: Encodings :func:`to_unicode` and :func:`fix_frame` understand.
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1258", "tcvn3", "vni")

_ALIASES = {
    "utf8": "utf-8",
    "unicode": "utf-8",
    "windows-1258": "cp1258",
    "windows1258": "cp1258",
    "1258": "cp1258",
    "tcvn": "tcvn3",
    "tcvn-3": "tcvn3",
    "tcvn5712": "tcvn3",
    "abc": "tcvn3",
    "vni-windows": "vni",
    "vni-win": "vni",
}

# Tone marks as Unicode combining characters.
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_TONES = (_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT)

# --------------------------------------------------------------------------- #
# Mojibake -> "byte characters"
# --------------------------------------------------------------------------- #
# Every legacy byte b is represented as chr(b). A string read through Latin-1 is
# already in that form; one read through cp1252 has 27 bytes of 0x80-0x9F shown
# as other characters (0x80 -> "€"), which are mapped back here. Characters that
# no single byte produces (genuine Unicode) pass through every table unchanged.
_CP1252_BACK: dict[int, str] = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_BACK[ord(bytes([_b]).decode("cp1252"))] = chr(_b)
    except UnicodeDecodeError:
        pass


def _byte_chars(text: str | bytes) -> str:
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("latin-1")
    return text.translate(_CP1252_BACK)


# --------------------------------------------------------------------------- #
# TCVN3 (TCVN 5712:1993)
# --------------------------------------------------------------------------- #
# 0xA0-0xFF: the part every TCVN3 font has (lower-case letters, the seven
# unaccented Vietnamese capitals, combining tone marks at 0xB0-0xB4) plus the
# capitals VN1 puts among them.
_TCVN3_HIGH = (
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0-0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0-0xBF
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0-0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0-0xDF
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"  # 0xE0-0xFF
)
# VN1 capitals in 0x80-0x9F and in unused control positions.
_TCVN3_C1 = "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x80-0x9F
_TCVN3_LOW = {
    0x01: "Ú",
    0x02: "Ụ",
    0x04: "Ừ",
    0x05: "Ử",
    0x06: "Ữ",
    0x11: "Ứ",
    0x12: "Ự",
    0x13: "Ỳ",
    0x14: "Ỷ",
    0x15: "Ỹ",
    0x16: "Ý",
    0x17: "Ỵ",
}
_TCVN3_DECODE: dict[int, str] = dict(_TCVN3_LOW)
_TCVN3_DECODE.update({0x80 + i: ch for i, ch in enumerate(_TCVN3_C1)})
_TCVN3_DECODE.update({0xA0 + i: ch for i, ch in enumerate(_TCVN3_HIGH)})
assert len(_TCVN3_C1) == 32 and len(_TCVN3_HIGH) == 96
_TCVN3_ENCODE = {ch: chr(b) for b, ch in _TCVN3_DECODE.items()}

_WORD = re.compile(r"[^\W\d_]+")


def _tcvn3_decode(chars: str) -> str:
    out = chars.translate(_TCVN3_DECODE)

    # The .VnTimeH ("all capitals") fonts draw the lower-case codes as capitals,
    # so a word typed in capitals has upper-case ASCII letters and lower-case
    # Vietnamese ones ("QU¶NG B×NH"). Capitalise such words whole.
    def _caps(match: re.Match[str]) -> str:
        word = match.group(0)
        ascii_letters = [c for c in word if c.isascii()]
        if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters):
            return word.upper()
        return word

    return _WORD.sub(_caps, unicodedata.normalize("NFC", out))


# --------------------------------------------------------------------------- #
# VNI-Windows
# --------------------------------------------------------------------------- #
# Mark bytes (as Latin-1 characters), lower-case form then capital form, in the
# order: no tone, grave, acute, tilde, hook, dot below.
_VNI_TONE = ({_GRAVE: "ø", _ACUTE: "ù", _TILDE: "õ", _HOOK: "û", _DOT: "ï"},
             {_GRAVE: "Ø", _ACUTE: "Ù", _TILDE: "Õ", _HOOK: "Û", _DOT: "Ï"})  # fmt: skip
_VNI_CIRC = ({"": "â", _GRAVE: "à", _ACUTE: "á", _TILDE: "ã", _HOOK: "å", _DOT: "ä"},
             {"": "Â", _GRAVE: "À", _ACUTE: "Á", _TILDE: "Ã", _HOOK: "Å", _DOT: "Ä"})  # fmt: skip
_VNI_BREVE = ({"": "ê", _GRAVE: "è", _ACUTE: "é", _TILDE: "ü", _HOOK: "ú", _DOT: "ë"},
              {"": "Ê", _GRAVE: "È", _ACUTE: "É", _TILDE: "Ü", _HOOK: "Ú", _DOT: "Ë"})  # fmt: skip
# Letters that are one byte of their own.
_VNI_SINGLE = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "ì": "ì", "í": "í", "ó": "ĩ", "æ": "ỉ", "ò": "ị",
    "Ì": "Ì", "Í": "Í", "Ó": "Ĩ", "Æ": "Ỉ", "Ò": "Ị",
    "î": "ỵ", "Î": "Ỵ",
}  # fmt: skip


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    decode: dict[str, str] = dict(_VNI_SINGLE)
    encode: dict[str, str] = {v: k for k, v in _VNI_SINGLE.items()}
    nfc = unicodedata.normalize

    def add(seqs: tuple[str, str], letter: str, canonical: str) -> None:
        for seq in seqs:
            decode.setdefault(seq, letter)
        encode.setdefault(letter, canonical)

    for base in "aeouyAEOUY":
        case = int(base.isupper())
        for tone in _TONES:
            letter = nfc("NFC", base + tone)
            add((base + _VNI_TONE[0][tone], base + _VNI_TONE[1][tone]), letter,
                base + _VNI_TONE[case][tone])  # fmt: skip
    for base in "aeoAEO":
        case = int(base.isupper())
        for tone in ("", *_TONES):
            letter = nfc("NFC", base + "\u0302" + tone)
            add((base + _VNI_CIRC[0][tone], base + _VNI_CIRC[1][tone]), letter,
                base + _VNI_CIRC[case][tone])  # fmt: skip
    for base in "aA":
        case = int(base.isupper())
        for tone in ("", *_TONES):
            letter = nfc("NFC", base + "\u0306" + tone)
            add((base + _VNI_BREVE[0][tone], base + _VNI_BREVE[1][tone]), letter,
                base + _VNI_BREVE[case][tone])  # fmt: skip
    for horn, base in (("ô", "o"), ("ö", "u"), ("Ô", "O"), ("Ö", "U")):
        case = int(horn.isupper())
        for tone in _TONES:
            letter = nfc("NFC", base + "\u031b" + tone)
            add((horn + _VNI_TONE[0][tone], horn + _VNI_TONE[1][tone]), letter,
                horn + _VNI_TONE[case][tone])  # fmt: skip
    return decode, encode


_VNI_DECODE, _VNI_ENCODE = _vni_tables()
_VNI_PATTERN = re.compile(
    "|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True))
)


def _vni_decode(chars: str) -> str:
    out = _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], chars)
    return unicodedata.normalize("NFC", out)


# --------------------------------------------------------------------------- #
# Windows-1258
# --------------------------------------------------------------------------- #
_CP1258_DECODE: dict[int, str] = {}
for _b in range(0x80, 0x100):
    try:
        _ch = bytes([_b]).decode("cp1258")
    except UnicodeDecodeError:
        continue
    if _ch != chr(_b):
        _CP1258_DECODE[_b] = _ch


def _cp1258_decode(chars: str) -> str:
    return unicodedata.normalize("NFC", chars.translate(_CP1258_DECODE))


_DECODERS = {"tcvn3": _tcvn3_decode, "vni": _vni_decode, "cp1258": _cp1258_decode}


def _canonical(encoding: str) -> str:
    name = str(encoding).strip().lower().replace("_", "-")
    name = _ALIASES.get(name, name)
    if name not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")
    return name


def to_unicode(text: str | bytes, encoding: str) -> str:
    """Convert legacy-encoded Vietnamese to NFC Unicode.

    Parameters
    ----------
    text
        Either the raw bytes of the legacy encoding, or the *mojibake* string
        made by reading those bytes as Latin-1 or cp1252 (one character per
        byte). Characters no single byte can produce are kept as they are.
    encoding
        One of :data:`ENCODINGS` (``"abc"``, ``"windows-1258"`` and
        ``"vni-windows"`` are accepted as aliases). ``"utf-8"`` only
        normalises a string to NFC (and decodes bytes as UTF-8).

    Examples
    --------
    >>> to_unicode("Th«n §«ng Thµnh", "tcvn3")
    'Thôn Đông Thành'
    >>> to_unicode("Thoân Ñoâng Thaønh", "vni")
    'Thôn Đông Thành'
    >>> to_unicode("Xa\u00de Qua\u00d2ng H\u00f5\u00f2p", "cp1258")
    'Xã Quảng Hợp'
    >>> to_unicode(b"Th\\xabn \\xa7\\xabng", "tcvn3")
    'Thôn Đông'
    >>> to_unicode("QU¶NG B×NH", "tcvn3")  # typed in a .VnTimeH capitals font
    'QUẢNG BÌNH'
    """
    name = _canonical(encoding)
    if name == "utf-8":
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        return unicodedata.normalize("NFC", text)
    if not isinstance(text, (str, bytes, bytearray)):
        raise TypeError(f"expected str or bytes, got {type(text).__name__}")
    return _DECODERS[name](_byte_chars(text))


# --------------------------------------------------------------------------- #
# Vietnamese syllables
# --------------------------------------------------------------------------- #
_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip


def _rhymes() -> frozenset[str]:
    rhymes = set(
        "a ai ao au ay âu ây e eo ê êu i ia iu iêu o oi ô ôi ơ ơi u ua ui uôi ư ưa ưi ươi "
        "ươu ưu y yêu oa oai oao oay oe oeo uê uy uya uyu uơ uây".split()
    )
    codas = ("c", "ch", "m", "n", "ng", "nh", "p", "t")
    nuclei = "a ă â e ê i iê yê o ô ơ u uô ư ươ oa oă oe uâ uê uy uyê".split()
    for nucleus in nuclei:
        for coda in codas:
            if coda in ("ch", "nh") and nucleus not in ("a", "ê", "i", "oa", "uê", "uy"):
                continue
            if coda in ("c", "ng") and nucleus in ("ê", "i", "uy", "uê"):
                continue
            rhymes.add(nucleus + coda)
    return frozenset(rhymes)


_RHYMES = _rhymes()
_LETTERS = frozenset("abcdeghiklmnopqrstuvxyăâđêôơư")


_VOWELS = frozenset("aăâeêioôơuưy")
_MODIFIED = frozenset("ăâêôơư")


def _tone_allowed(rhyme: str, at: int) -> bool:
    """Whether the tone may sit on ``rhyme[at]`` (old and new placement both accepted)."""
    n = 0
    while n < len(rhyme) and rhyme[n] in _VOWELS:
        n += 1
    cluster, closed = rhyme[:n], n < len(rhyme)
    if at >= n:
        return False
    modified = [i for i, c in enumerate(cluster) if c in _MODIFIED]
    if modified:
        return at == modified[-1]
    if closed or len(cluster) == 1:
        return at == n - 1
    if len(cluster) == 2:
        return at == 0 or (cluster in ("oa", "oe", "uy") and at == 1)
    return at == 1


def _is_syllable(word: str) -> bool:
    """Whether ``word`` is a well-formed Vietnamese syllable, in any case.

    Onset + rhyme from the lists above, letters of the Vietnamese alphabet only,
    one tone at most, on the vowel that carries it.
    """
    base, tone_at = [], None
    for i, char in enumerate(unicodedata.normalize("NFC", word.lower())):
        parts = unicodedata.normalize("NFD", char)
        tones = [c for c in parts if c in _TONES]
        if tones:
            if tone_at is not None or len(tones) > 1:
                return False
            tone_at = i
        base.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES)))
    text = "".join(base)
    if len(text) != len(base) or not text or not set(text) <= _LETTERS:
        return False
    for onset in _ONSETS:
        rhyme = text[len(onset) :]
        if text.startswith(onset) and rhyme in _RHYMES:
            if tone_at is None or _tone_allowed(rhyme, tone_at - len(onset)):
                return True
    return False


# Words: runs of characters that are not spaces, digits or ASCII punctuation
# (legacy letters such as "§" or "«" are punctuation to Unicode, not to us).
_TOKEN = re.compile(r"[^\s0-9!-/:-@\[-`{-~]+")


def _score(texts: Iterable[str]) -> tuple[int, int]:
    """(valid, invalid) counts of the words that contain a non-ASCII character."""
    valid = invalid = 0
    for text in texts:
        for token in _TOKEN.findall(text):
            if token.isascii():
                continue
            if _is_syllable(token):
                valid += 1
            else:
                invalid += 1
    return valid, invalid


#: Distinct values of a column :func:`detect` looks at.
_SAMPLE = 5000

#: Largest share of non-ASCII words a conversion may leave invalid.
_MAX_INVALID_SHARE = 0.2


def detect(values: Iterable[object]) -> str | None:
    """Guess the legacy encoding of a column of mojibake strings.

    Each candidate (``"tcvn3"``, ``"vni"``, ``"cp1258"``) converts the values and
    the words containing non-ASCII letters are checked against the rules of
    Vietnamese syllables (onset, rhyme, at most one tone, no letter outside
    the Vietnamese alphabet). A candidate wins when it leaves more valid and
    fewer invalid words than the text as it is, with at most 20 % of them
    invalid; the best is the one with most valid and fewest invalid words
    (ties: the shortest result, i.e. the most mark bytes joined into letters).
    Plain ASCII, genuine Unicode Vietnamese and other Latin-script languages
    ("José", "Café") give ``None``. Values that are not strings are ignored.
    One short name can be ambiguous ("Phã" is a valid word, and "Phó" in
    TCVN3); a column of names rarely is.

    >>> detect(["Th«n §«ng", "X· Qu¶ng Hîp"])
    'tcvn3'
    >>> detect(["Thoân Ñoâng", "Xaõ Quaûng Hôïp"])
    'vni'
    >>> detect(["XaÞ QuaÒng Hõòp"])
    'cp1258'
    >>> detect(["Thôn Đông", "Bản Cà Xen"]) is None
    True
    >>> detect(["Village 1", "José", "Café"]) is None
    True
    """
    texts = list(itertools.islice(dict.fromkeys(v for v in values if isinstance(v, str)), _SAMPLE))
    if not texts:
        return None
    valid0, invalid0 = _score(texts)
    if invalid0 == 0:  # ASCII only, or every accented word is good Vietnamese
        return None
    best: tuple[tuple[int, int], str] | None = None
    for name in ("tcvn3", "vni", "cp1258"):
        converted = [to_unicode(t, name) for t in texts]
        if converted == texts:
            continue
        valid, invalid = _score(converted)
        if valid <= valid0 or invalid >= invalid0:
            continue
        if invalid > _MAX_INVALID_SHARE * (valid + invalid):
            continue
        # Ties (both readings valid, as "Ngö": VNI ư, TCVN3 ừ) go to the reading
        # that joins more bytes into letters: mark bytes read as marks.
        score = (valid - 2 * invalid, -sum(map(len, converted)))
        if best is None or score > best[0]:
            best = (score, name)
    return None if best is None else best[1]


def _is_text_column(series: pd.Series) -> bool:
    import pandas as pd

    dtype = series.dtype
    if getattr(dtype, "name", "") == "geometry":
        return False
    return bool(pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def fix_frame(
    frame: pd.DataFrame, *, encoding: str = "auto"
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Repair legacy-encoded text columns of a DataFrame or GeoDataFrame.

    Parameters
    ----------
    frame
        The table; it is never modified.
    encoding
        ``"auto"`` (default) detects each text column with :func:`detect`; one
        of :data:`ENCODINGS` converts every text column with it (``"utf-8"``
        leaves the table as it is).

    Returns
    -------
    (fixed, used)
        A copy with the text (object or string dtype) columns converted, and
        ``{column: encoding}`` for the columns that changed. Other columns,
        the geometry, and values that are not strings are kept as they are.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 2], "name": ["Th«n §«ng", "B¶n Cµ Xen"]})
    >>> fixed, used = fix_frame(df)
    >>> fixed["name"].tolist(), used
    (['Thôn Đông', 'Bản Cà Xen'], {'name': 'tcvn3'})
    >>> df["name"].tolist()  # the input is untouched
    ['Th«n §«ng', 'B¶n Cµ Xen']
    """
    import pandas as pd

    auto = str(encoding).strip().lower() == "auto"
    name = None if auto else _canonical(encoding)
    out = frame.copy()
    used: dict[str, str] = {}
    if name == "utf-8":
        return out, used
    for column in frame.columns:
        series = frame[column]
        if not _is_text_column(series):
            continue
        chosen = detect(series) if auto else name
        if chosen is None:
            continue
        values = [to_unicode(v, chosen) if isinstance(v, str) else v for v in series]
        if all(a == b for a, b in zip(values, series, strict=True) if isinstance(a, str)):
            continue
        out[column] = pd.Series(values, index=series.index, dtype=series.dtype, name=column)
        used[column] = chosen
    return out, used
