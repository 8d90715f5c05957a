"""Legacy Vietnamese encodings (TCVN3, VNI, cp1258): conversion, detection, repair.

The legacy strings here are made independently of ``coverage.encoding``:

* TCVN3 and cp1258 files in ``tests/data/encoding`` were written by glibc's
  ``iconv -t TCVN5712-1`` / ``iconv -t CP1258`` (see the README there);
* VNI strings are built with the small table ``VNI`` below, written from the
  VNI-Windows character chart (VNI Software) and checked against the examples
  published with the npm package ``vietnamese-conversion``
  ("Xin chào các bạn" -> "Xin chaøo caùc baïn");
* short published examples: TCVN3 "Th«n" = "Thôn", "§" = "Đ" (TCVN 5712:1993
  code table: 0xAB = ô, 0xA7 = Đ); VNI "Thoân" = "Thôn", "Ñ" = "Đ" (0xD1).
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from coverage import encoding as enc
from coverage.encoding import ENCODINGS, detect, fix_frame, to_unicode

DATA = Path(__file__).parent / "data" / "encoding"
NAMES = (DATA / "names.utf8.txt").read_text(encoding="utf-8").splitlines()

TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def all_letters() -> list[str]:
    """The 12 vowels x (plain + 5 tones) x 2 cases, plus đ/Đ: 146 letters, 134 non-ASCII."""
    letters = []
    for vowel in "aăâeêioôơuưy":
        for tone in TONES:
            letter = unicodedata.normalize("NFC", vowel + tone)
            letters += [letter, letter.upper()]
    return [*letters, "đ", "Đ"]


# VNI-Windows, lower-case letters (and the capitals the tests use), from the VNI
# character chart: base letter + mark byte; ơ ư đ and the accented i, ỵ are one byte.
VNI = {
    "á": "aù", "à": "aø", "ả": "aû", "ã": "aõ", "ạ": "aï",
    "â": "aâ", "ấ": "aá", "ầ": "aà", "ẩ": "aå", "ẫ": "aã", "ậ": "aä",
    "ă": "aê", "ắ": "aé", "ằ": "aè", "ẳ": "aú", "ẵ": "aü", "ặ": "aë",
    "é": "eù", "è": "eø", "ẻ": "eû", "ẽ": "eõ", "ẹ": "eï",
    "ê": "eâ", "ế": "eá", "ề": "eà", "ể": "eå", "ễ": "eã", "ệ": "eä",
    "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò",
    "ó": "où", "ò": "oø", "ỏ": "oû", "õ": "oõ", "ọ": "oï",
    "ô": "oâ", "ố": "oá", "ồ": "oà", "ổ": "oå", "ỗ": "oã", "ộ": "oä",
    "ơ": "ô", "ớ": "ôù", "ờ": "ôø", "ở": "ôû", "ỡ": "ôõ", "ợ": "ôï",
    "ú": "uù", "ù": "uø", "ủ": "uû", "ũ": "uõ", "ụ": "uï",
    "ư": "ö", "ứ": "öù", "ừ": "öø", "ử": "öû", "ữ": "öõ", "ự": "öï",
    "ý": "yù", "ỳ": "yø", "ỷ": "yû", "ỹ": "yõ", "ỵ": "î",
    "đ": "ñ", "Đ": "Ñ", "Ấ": "AÁ", "Ơ": "Ô", "Ư": "Ö",
}  # fmt: skip


def to_vni(text: str) -> str:
    return "".join(VNI.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def legacy_lines(name: str, read_as: str = "latin-1") -> list[str]:
    """A fixture file's lines as GDAL shows them for a .dbf without .cpg."""
    return (DATA / name).read_bytes().decode(read_as, errors="strict").splitlines()


# --------------------------------------------------------------------------- #
# tables
# --------------------------------------------------------------------------- #


def test_encodings_constant() -> None:
    assert ENCODINGS == ("utf-8", "cp1258", "tcvn3", "vni")


def test_all_letters_round_trip() -> None:
    letters = all_letters()
    assert len(letters) == 146 and sum(not c.isascii() for c in letters) == 134
    for letter in letters:
        tcvn3 = enc._TCVN3_ENCODE.get(letter, letter)
        assert len(tcvn3) == 1 and ord(tcvn3) < 256, letter
        assert to_unicode(tcvn3, "tcvn3") == letter
        assert to_unicode(tcvn3.encode("latin-1"), "tcvn3") == letter
        vni = enc._VNI_ENCODE.get(letter, letter)
        assert vni.isascii() == letter.isascii() and all(ord(c) < 256 for c in vni)
        assert to_unicode(vni, "vni") == letter
        cp1258 = cp1258_bytes(letter)
        assert to_unicode(cp1258, "cp1258") == letter
        assert to_unicode(cp1258.decode("latin-1"), "cp1258") == letter


def cp1258_bytes(text: str) -> bytes:
    """Windows-1258 bytes: a precomposed letter where the code page has it, else base + tone."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in decomposed if c in TONES[1:])
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tone))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


def test_vni_table_agrees_with_test_table() -> None:
    for letter, seq in VNI.items():
        assert to_unicode(seq, "vni") == letter
        if letter.islower():
            assert enc._VNI_ENCODE[letter] == seq


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv")
def test_tcvn3_table_matches_glibc() -> None:
    probe = subprocess.run(["iconv", "-l"], capture_output=True, text=True, check=False)
    if "TCVN5712-1" not in probe.stdout:
        pytest.skip("iconv without TCVN5712-1")
    for byte in [*range(0x01, 0x20), *range(0x80, 0x100)]:
        glibc = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"],
            input=bytes([byte]),
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        assert to_unicode(bytes([byte]), "tcvn3") == glibc, hex(byte)


# --------------------------------------------------------------------------- #
# to_unicode
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("legacy", "encoding", "expected"),
    [
        # TCVN 5712:1993 code table: 0xAB ô, 0xA7 Đ, 0xB5 à
        ("Th«n §«ng Thµnh", "tcvn3", "Thôn Đông Thành"),
        # published with converters of TCVN3 (gist "TCVN3 to Unicode (python 3)",
        # and the JS convertTcvn3ToUnicode examples for Lào Cai districts)
        ("hép møt tÕt", "tcvn3", "hộp mứt tết"),
        ("B¶o Th¾ng", "tcvn3", "Bảo Thắng"),
        # (the page shows "Mêng Kh¬ng": the soft hyphen 0xAD, ư, is invisible there)
        ("M\xadêng Kh\xad\xacng", "tcvn3", "Mường Khương"),
        ("B¸t X¸t", "tcvn3", "Bát Xát"),
        ("TiÕng ViÖt rÊt hay", "tcvn3", "Tiếng Việt rất hay"),
        # VNI, examples of the vietnamese-conversion package
        ("Xin chaøo caùc baïn", "vni", "Xin chào các bạn"),
        ("Tieáng Vieät raát hay", "vni", "Tiếng Việt rất hay"),
        ("Thoân Ñoâng", "vni", "Thôn Đông"),
        # cp1258: 0xDE combining tilde, 0xD2 combining hook, 0xF5 ơ, 0xF2 combining dot
        ("XaÞ QuaÒng Hõòp", "cp1258", "Xã Quảng Hợp"),
    ],
)
def test_published_examples(legacy: str, encoding: str, expected: str) -> None:
    assert to_unicode(legacy, encoding) == expected
    assert to_unicode(legacy.encode("latin-1"), encoding) == expected


@pytest.mark.parametrize(
    ("fixture", "encoding"), [("names.tcvn3.txt", "tcvn3"), ("names.cp1258.txt", "cp1258")]
)
@pytest.mark.parametrize("read_as", ["latin-1", "cp1252"])
def test_fixture_files(fixture: str, encoding: str, read_as: str) -> None:
    raw = (DATA / fixture).read_bytes().splitlines()
    assert [to_unicode(line, encoding) for line in raw] == NAMES
    try:
        mojibake = legacy_lines(fixture, read_as)
    except UnicodeDecodeError:  # a byte cp1252 leaves undefined
        pytest.skip(f"{fixture} is not readable as {read_as}")
    assert [to_unicode(line, encoding) for line in mojibake] == NAMES
    assert detect(mojibake) == encoding
    # one name alone is enough
    for line in mojibake:
        if not line.isascii():
            assert detect([line]) == encoding, line


def test_vni_names() -> None:
    mojibake = [to_vni(name) for name in NAMES]
    assert mojibake[1] == "Thoân Ñoâng Thaønh"
    assert [to_unicode(line, "vni") for line in mojibake] == NAMES
    assert detect(mojibake) == "vni"
    for line in mojibake:
        assert detect([line]) == "vni", line


def test_vni_capital_marks() -> None:
    # capitals carry the capital form of the mark byte; either form is accepted
    assert to_unicode("AÁp Taân Thaønh", "vni") == "Ấp Tân Thành"
    assert to_unicode("Aáp", "vni") == "Ấp"
    assert to_unicode("HUYEÄN LEÄ THUÛY", "vni") == "HUYỆN LỆ THỦY"


def test_tcvn3_capitals() -> None:
    # VN1 capitals (0x80-0x9F read as cp1252 or Latin-1) and .VnTimeH words
    assert to_unicode("\x8dN", "tcvn3") == "ÌN"
    assert to_unicode("Œ", "tcvn3") == "Ệ"  # 0x8C read through cp1252
    assert to_unicode("HUYÖN THñY", "tcvn3") == "HUYỆN THỦY"
    assert to_unicode("LÖ", "tcvn3") == "Lệ"  # one ASCII letter: case unknown, kept
    assert to_unicode("Tæ d©n phè 3", "tcvn3") == "Tổ dân phố 3"


def test_to_unicode_keeps_what_no_byte_makes() -> None:
    assert to_unicode("Th«n Hợp", "tcvn3") == "Thôn Hợp"  # ợ is no byte
    assert to_unicode("Th«n Đông", "tcvn3") == "Thôn Đụng"  # but ô is 0xF4
    assert to_unicode("Village 1", "vni") == "Village 1"
    assert to_unicode("", "tcvn3") == ""


def test_to_unicode_utf8_and_errors() -> None:
    nfd = unicodedata.normalize("NFD", "Xã Quảng Hợp")
    assert to_unicode(nfd, "utf-8") == "Xã Quảng Hợp"
    assert to_unicode("Xã Quảng Hợp".encode(), "utf-8") == "Xã Quảng Hợp"
    assert to_unicode("Th«n", "TCVN3") == to_unicode("Th«n", "abc") == "Thôn"
    assert to_unicode("XaÞ", "windows-1258") == "Xã"
    with pytest.raises(ValueError, match="unknown encoding"):
        to_unicode("x", "viscii")
    with pytest.raises(TypeError):
        to_unicode(3, "tcvn3")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- #
# detect: false positives
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "values",
    [
        NAMES,
        ["Thôn Đông", "Bản Cà Xen", "Xã Quảng Hợp"],
        [unicodedata.normalize("NFD", name) for name in NAMES],
        ["Village 1", "Ban Ca Xen", "Tower 12"],
        ["José", "Café", "Hôtel de Ville", "Peña", "Niño", "Müller", "Ærøskøbing"],
        ["Place de l'Église", "São Paulo", "Crème brûlée", "Señora"],
        ["Thôn Đông", "Café Sông Gianh", "José"],
        # ethnic-minority village names of Minh Hóa and Tuyên Hóa, in Unicode
        ["Bản Mò O Ồ Ồ", "Bản Ón", "Bản Phù Nhì", "Xã Trọng Hóa", "Bản Ra Mai", "Bản Hà Vi"],
        sorted({w for name in NAMES for w in name.split()}),
        [],
        [None, np.nan, 3, 4.5],
        ["", " ", "123"],
    ],
)
def test_detect_leaves_good_text_alone(values: list) -> None:
    assert detect(values) is None


def test_detect_ignores_non_strings_and_duplicates() -> None:
    assert detect([None, np.nan, "Th«n §«ng", "Th«n §«ng", 7]) == "tcvn3"
    assert detect(iter(["Thoân Ñoâng"])) == "vni"


def test_detect_with_ascii_rows_mixed_in() -> None:
    values = ["Ban Na", "Tram 12", *legacy_lines("names.tcvn3.txt")]
    assert detect(values) == "tcvn3"


def test_syllable_validator() -> None:
    for word in [
        "Quảng",
        "Hợp",
        "Đông",
        "Thủy",
        "nghiêng",
        "huỳnh",
        "giếng",
        "hoà",
        "hòa",
        "khuỷu",
        "Tổ",
        "người",
    ]:
        assert enc._is_syllable(word), word
    for word in [
        "José",
        "Café",
        "Th«n",
        "Thoân",
        "Hừũp",
        "Müller",
        "fax",
        "Jusộ",
        "Peña",
        "phơì",
        "hóai",
    ]:
        assert not enc._is_syllable(word), word


# --------------------------------------------------------------------------- #
# fix_frame
# --------------------------------------------------------------------------- #


def mixed_frame() -> pd.DataFrame:
    tcvn3 = legacy_lines("names.tcvn3.txt")[:6]
    return pd.DataFrame(
        {
            "id": range(6),
            "code": ["QB01", "QB02", "QB03", "QB04", "QB05", "QB06"],
            "pop": [1200.5, 830.0, np.nan, 410.0, 2900.0, 15000.0],
            "name": tcvn3,
            "note": ["José", "Café", None, "Village 1", "ok", "Hôtel"],
            "vni": [to_vni(n) for n in NAMES[:6]],
        }
    )


def test_fix_frame_auto() -> None:
    frame = mixed_frame()
    before = frame.copy(deep=True)
    fixed, used = fix_frame(frame)
    assert used == {"name": "tcvn3", "vni": "vni"}
    assert fixed["name"].tolist() == NAMES[:6]
    assert fixed["vni"].tolist() == NAMES[:6]
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    for column in ("id", "code", "pop", "note"):
        pd.testing.assert_series_equal(fixed[column], frame[column])
    assert fixed["name"].dtype == frame["name"].dtype
    assert list(fixed.columns) == list(frame.columns)


def test_fix_frame_explicit_and_utf8() -> None:
    frame = mixed_frame()[["id", "name", "code"]]
    fixed, used = fix_frame(frame, encoding="tcvn3")
    assert used == {"name": "tcvn3"}  # "code" is ASCII: unchanged, not reported
    assert fixed["name"].tolist() == NAMES[:6]
    same, used = fix_frame(frame, encoding="utf-8")
    assert used == {}
    pd.testing.assert_frame_equal(same, frame)
    assert same is not frame
    with pytest.raises(ValueError, match="unknown encoding"):
        fix_frame(frame, encoding="koi8-r")


def test_fix_frame_object_column_with_missing_values() -> None:
    frame = pd.DataFrame({"name": pd.Series(["Th«n §«ng", None, np.nan, 5], dtype=object)})
    fixed, used = fix_frame(frame)
    assert used == {"name": "tcvn3"}
    assert fixed["name"].iloc[0] == "Thôn Đông"
    assert fixed["name"].iloc[1] is None and pd.isna(fixed["name"].iloc[2])
    assert fixed["name"].iloc[3] == 5


def test_fix_frame_unicode_frame_untouched() -> None:
    frame = pd.DataFrame({"name": NAMES, "en": ["Village"] * len(NAMES)})
    fixed, used = fix_frame(frame)
    assert used == {}
    pd.testing.assert_frame_equal(fixed, frame)


def test_shapefile_round_trip(tmp_path: Path) -> None:
    """TCVN3 names in a .dbf, read the way GDAL reads a .dbf without .cpg, then fixed."""
    names = NAMES[:7]
    tcvn3 = legacy_lines("names.tcvn3.txt")[:7]
    gdf = gpd.GeoDataFrame(
        {"ma_xa": list(range(7)), "ten": tcvn3, "dan_so": [float(i) * 100 for i in range(7)]},
        geometry=[Point(106.6 + i / 100, 17.5) for i in range(7)],
        crs="EPSG:4326",
    )
    path = tmp_path / "xa.shp"
    pyogrio.write_dataframe(gdf, path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)  # as the old exports had none
    dbf = path.with_suffix(".dbf").read_bytes()
    assert "Th«n §«ng".encode("latin-1") in dbf  # the TCVN3 bytes themselves

    read = pyogrio.read_dataframe(path, encoding="latin1")
    assert read["ten"].tolist() == tcvn3
    fixed, used = fix_frame(read)
    assert used == {"ten": "tcvn3"}
    assert fixed["ten"].tolist() == names
    assert fixed.geometry.equals(read.geometry)
    assert isinstance(fixed, gpd.GeoDataFrame) and fixed.crs == read.crs
    assert fixed["ma_xa"].tolist() == list(range(7))
    assert read["ten"].tolist() == tcvn3  # not mutated

    # explicit encoding on a GeoDataFrame keeps the geometry column as it is
    fixed2, used2 = fix_frame(read, encoding="tcvn3")
    assert used2 == {"ten": "tcvn3"} and fixed2.geometry.equals(read.geometry)
