import pytest

from edge_ocr_ros.errors import ModelError
from edge_ocr_ros.recognition.charset import BLANK, UNK, Charset


def test_table_txt_round_trip(tmp_path):
    cs = Charset.from_characters("0123456789abcdefghijklmnopqrstuvwxyz")
    cs.save(tmp_path / "table.txt")
    lines = (tmp_path / "table.txt").read_text().splitlines()
    assert lines[0] == UNK and lines[-1] == BLANK and len(lines) == 38
    loaded = Charset.load(tmp_path / "table.txt")
    assert loaded == cs and loaded.blank == 37 and loaded.num_classes == 38


def test_encode_folds_case_and_skips_unknown():
    cs = Charset.from_characters("abc1")
    assert cs.case_insensitive
    assert cs.encode("A-b C1!") == [1, 2, 3, 4]
    assert cs.decode([1, 2, 0, 3]) == "abc"  # <UNK> is dropped


@pytest.mark.parametrize("text, message", [
    ("a\nb\n<BLK>\n", "must start with <UNK>"),
    ("<UNK>\na\nb\n", "end with <BLK>"),
    ("<UNK>\na\na\n<BLK>\n", "duplicate"),
])
def test_malformed_charsets_are_clear_errors(tmp_path, text, message):
    (tmp_path / "t.txt").write_text(text)
    with pytest.raises(ModelError, match=message):
        Charset.load(tmp_path / "t.txt")


def test_missing_charset_file(tmp_path):
    with pytest.raises(ModelError, match="cannot read charset"):
        Charset.load(tmp_path / "nope.txt")
