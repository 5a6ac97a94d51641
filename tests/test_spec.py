"""NetworkSpec: defaults, text sources, windows, and an error naming every bad option."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.spec import build_network, check_defaults

from .project import valid_network


def errors_of(options: dict[str, object], base: Path = Path(".")) -> list[tuple[str, str]]:
    """Every (option, message) reported for the options; a network exactly when nothing was."""
    found: list[tuple[str, str]] = []
    network = build_network("net", options, {}, base, lambda option, message: found.append((option, message)))
    assert (network is None) == bool(found)
    return found


BASE = {"pattern": "10", "length": "40"}


def test_defaults_are_the_original_authors() -> None:
    network = valid_network("net", BASE)
    assert network.spec.options() == {"name": "net", "pattern": "10", "length": 40, "hidden_size": 3,
                                      "seq_length": 4, "learning_rate": 0.1, "optimizer": "sgd",
                                      "init_scale": 0.1, "clip": 5.0, "seed": 42, "updates": 0}
    assert network.text == "10" * 20 and network.vocab == ["0", "1"]


def test_pattern_is_repeated_and_cut() -> None:
    assert valid_network("net", {"pattern": "011", "length": "7"}).text == "0110110"


def test_site_defaults_apply_and_blocks_override() -> None:
    network = valid_network("net", {**BASE, "seed": "7"}, defaults={"seed": 1, "hidden-size": 5})
    assert network.spec.seed == 7 and network.spec.hidden_size == 5


def test_text_file_is_relative_to_the_markdown(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("abcabcabc", encoding="utf-8")
    assert valid_network("net", {"text-file": "data.txt"}, tmp_path).text == "abcabcabc"


@pytest.mark.parametrize(("options", "option", "words"), [
    ({**BASE, "hiden-size": "3"}, "hiden-size", "did you mean 'hidden-size'"),
    ({**BASE, "hidden-size": "0"}, "hidden-size", "from 1 to 64"),
    ({**BASE, "hidden-size": "65"}, "hidden-size", "from 1 to 64"),
    ({**BASE, "hidden-size": "three"}, "hidden-size", "whole number"),
    ({**BASE, "updates": "1000001"}, "updates", "0 to 1,000,000"),
    ({**BASE, "updates": "-1"}, "updates", "0 to 1,000,000"),
    ({**BASE, "learning-rate": "0"}, "learning-rate", "above 0"),
    ({**BASE, "learning-rate": "nan"}, "learning-rate", "finite"),
    ({**BASE, "learning-rate": "inf"}, "learning-rate", "finite"),
    ({**BASE, "init-scale": "-1"}, "init-scale", "above 0"),
    ({**BASE, "clip": "x"}, "clip", "positive number"),
    ({**BASE, "optimizer": "adam"}, "optimizer", "'sgd' or 'adagrad'"),
    ({**BASE, "seed": "1.5"}, "seed", "whole number"),
    ({**BASE, "seq-length": "33"}, "seq-length", "from 1 to 32"),
    ({"length": "40"}, "pattern", "exactly one text source"),
    ({**BASE, "text": "1010101"}, "text", "exactly one text source"),
    ({"pattern": "10"}, "pattern", "needs a length"),
    ({"text": "10101", "length": "9"}, "length", "with pattern only"),
    ({"text": "10101"}, "text", "at least seq-length + 2 = 6"),
    ({"text": "aaaaaaaaa"}, "text", "1 distinct characters"),
    ({"text": "".join(map(chr, range(32, 129)))}, "text", "97 distinct characters"),
    ({"text-file": "missing.txt"}, "text-file", "not found"),
    ({**BASE, "inputs": "101"}, "inputs", "needs targets"),
    ({**BASE, "targets": "010"}, "targets", "needs inputs"),
    ({**BASE, "inputs": "101", "targets": "01"}, "targets", "one target per input"),
    ({**BASE, "inputs": "1021", "targets": "0101"}, "inputs", "'2'"),
    ({**BASE, "inputs": "1" * 33, "targets": "0" * 33}, "inputs", "at most 32 steps"),
])
def test_each_invalid_option_is_named(options: dict[str, object], option: str, words: str) -> None:
    found = errors_of(options)
    assert any(name == option and words in message for name, message in found), found


def test_all_errors_are_reported_together() -> None:
    found = errors_of({**BASE, "hidden-size": "0", "optimizer": "adam", "colour": "red"})
    assert {name for name, _ in found} == {"hidden-size", "optimizer", "colour"}


def test_text_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"ab\xffab\xfe")
    found = errors_of({"text-file": "bad.txt"}, base=tmp_path)
    assert found == [("text-file", "text-file 'bad.txt' is not UTF-8 text")]


def test_site_defaults_are_checked() -> None:
    found: list[tuple[str, str]] = []
    good = check_defaults({"hidden-size": 100, "pattern": "10", "sede": 1, "seed": 7},
                          lambda option, message: found.append((option, message)))
    assert [name for name, _ in found] == ["hidden-size", "pattern", "sede"]
    assert "did you mean 'seed'" in found[2][1]
    assert good == {"seed": 7}
    fine = {"hidden-size": 4, "optimizer": "adagrad", "learning-rate": 0.5}
    assert check_defaults(fine, lambda option, message: found.append((option, message))) == fine
    assert len(found) == 3


def test_quoted_values_keep_their_spaces_and_escapes() -> None:
    network = valid_network("net", {"pattern": '"hello world "', "length": "24", "inputs": '" h"', "targets": '"he"'})
    assert network.text == "hello world hello world " and network.spec.inputs == " h"
    assert valid_network("net", {"text": r'"a\tb\nab\\a\"b"'}).text == 'a\tb\nab\\a"b'
    assert valid_network("net", {"text": 'say "ab" ab'}).text == 'say "ab" ab'  # unquoted: written as it stands


@pytest.mark.parametrize(("value", "message"), [
    ('"ab', "pattern opens a quote it never closes"),
    ('"ab" cd', "pattern has ' cd' after its closing quote"),
    (r'"a\b"', "pattern has the unknown escape '\\b'"),
    ('""', "pattern must be a non-empty string"),
])
def test_bad_quoted_values_are_named(value: str, message: str) -> None:
    found = errors_of({"pattern": value, "length": "20"})
    assert [m for _, m in found if m.startswith(message)] and len(found) == 1, found


def test_a_byte_order_mark_is_not_a_character(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_bytes("\ufeffabababab".encode())
    assert valid_network("net", {"text-file": "t.txt"}, base=tmp_path).vocab == ["a", "b"]
