"""SMS text without a database: command parsing, GSM-7 counting and splitting, phones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.codes import normalize_code
from motcua.core.units import ABBREVIATION_MAX, abbreviate
from motcua.sms.commands import parse
from motcua.sms.gsm import (
    BASIC,
    EXTENDED,
    PART_LIMIT,
    SINGLE_LIMIT,
    NotGsm7,
    septets,
    split,
    to_gsm7,
)
from motcua.sms.notify import international
from motcua.sms.replies import compact_name

CODE = "H72.01.01-261122-0001"


@pytest.mark.parametrize("text", [
    f"TRACUU {CODE}", f"tracuu {CODE.lower()}", f"  TraCuu   {CODE}  ", f"tra cứu {CODE}",
    f"TRA CỨU {CODE}", f"HS {CODE}", f"hs {CODE}", f"Hs\t{CODE}", f"TRACUU{CODE}",
])
def test_lookup_commands_in_any_case_spacing_and_diacritics(text):
    command = parse(text)
    assert command.action == "lookup"
    assert command.argument.upper().replace(" ", "") == CODE


@pytest.mark.parametrize("text", [f"HS{CODE}", f"hs{CODE.lower()}", f"Tra cứu: {CODE}",
                                  f"TRACUU:{CODE}", f"HS: {CODE}", f"hs-{CODE}", f"HS. {CODE}",
                                  f"tra cuu, {CODE}", f"TRA CỨU:{CODE}"])
def test_lookup_commands_glued_to_the_code_or_followed_by_punctuation(text):
    command = parse(text)
    assert command.action == "lookup"
    assert command.argument.upper().replace(" ", "") == CODE


@pytest.mark.parametrize("text", ["HS:", "Tra cứu: ", "tracuu -"])
def test_lookup_word_with_only_punctuation_has_an_empty_argument(text):
    assert parse(text) == parse("TRACUU")


def test_code_typed_with_spaces_is_kept_for_the_lookup_to_normalise():
    assert parse("tracuu h72.01.01 - 261122 - 0001").argument == "h72.01.01 - 261122 - 0001"


@pytest.mark.parametrize("text", [CODE, CODE.lower(), "H72.01.01 261122 0001",
                                  " h72.01.01.261122.0001 "])
def test_a_bare_code_is_a_lookup(text):
    command = parse(text)
    assert command.action == "lookup"
    assert normalize_code(command.argument) == CODE


@pytest.mark.parametrize("text", ["HD", "help", "TROGIUP", "trợ giúp", "hd please", "", None,
                                  "hello", "HSX", "tracu"])
def test_help_and_unknown_commands_ask_for_help(text):
    assert parse(text).action == "help"


def test_lookup_word_without_code_has_an_empty_argument():
    assert parse("TRACUU").argument == ""


def test_transliteration_drops_diacritics_and_keeps_d_bar():
    assert to_gsm7("Đăng ký hộ kinh doanh – Ủy ban") == "Dang ky ho kinh doanh - Uy ban"
    assert to_gsm7("đường 30/4") == "duong 30/4"


def test_extended_characters_count_double():
    assert septets("abc") == 3
    assert septets("[x]") == 5
    assert septets("€") == 2
    with pytest.raises(NotGsm7):
        septets("ă")


def test_160_septets_is_one_part_161_is_two():
    assert split("a" * SINGLE_LIMIT) == ["a" * SINGLE_LIMIT]
    parts = split("a" * (SINGLE_LIMIT + 1))
    assert [len(part) for part in parts] == [PART_LIMIT, SINGLE_LIMIT + 1 - PART_LIMIT]


def test_extended_characters_push_a_text_over_one_part():
    text = "a" * 159 + "^"  # 161 septets in 160 characters
    assert len(split(text)) == 2


def test_parts_end_at_a_space_when_one_is_near():
    text = ("word " * 40).strip()
    parts = split(text)
    assert all(part.endswith(" ") for part in parts[:-1])


GSM_TEXT = st.text(alphabet=st.sampled_from(sorted(BASIC | EXTENDED)), max_size=1200)


@given(GSM_TEXT)
def test_split_parts_fit_and_join_back(text):
    parts = split(text)
    assert "".join(parts) == text
    if septets(text) <= SINGLE_LIMIT:
        assert parts == [text]
    else:
        assert all(septets(part) <= PART_LIMIT for part in parts)
        assert all(parts)


@given(st.text(max_size=300))
def test_any_text_transliterates_to_gsm7(text):
    septets(to_gsm7(text))  # raises if a character is not GSM-7


@pytest.mark.parametrize("raw", ["0912345678", "+84912345678", "84912345678",
                                 "+84 (0) 912 345 678", "091.234.5678"])
def test_phone_forms_normalise_to_plus_84(raw):
    assert international(raw) == "+84912345678"


@pytest.mark.parametrize("raw", [None, "", "12345", "not a phone"])
def test_invalid_phones_get_no_sms(raw):
    assert international(raw) is None


@pytest.mark.parametrize("name, short", [
    ("UBND thành phố Tây Ninh", "UBND TP Tay Ninh"),
    ("Ủy ban nhân dân phường Ninh Thạnh", "UBND P.Ninh Thanh"),
    ("Phòng Tài nguyên và Môi trường", "P.TN&MT"),
    ("Sở Nông nghiệp và Môi trường tỉnh Tây Ninh", "SNN&MT T.Tay Ninh"),
    ("Trung tâm Phục vụ hành chính công tỉnh Tây Ninh", "TTPVHCC T.Tay Ninh"),
    ("Sở Lao động - Thương binh và Xã hội tỉnh Tây Ninh", "SLD-TB&XH T.Tay Ninh"),
    ("Bộ phận tiếp nhận và trả kết quả huyện Dương Minh Châu", "BPTN&TKQ"),
    ("Thuế tỉnh Tây Ninh", "Thue T.Tay Ninh"),
])
def test_unit_names_abbreviate_the_usual_way(name, short):
    assert abbreviate(name) == short


@given(st.text(max_size=300))
def test_any_unit_name_abbreviates_to_a_short_gsm7_text(name):
    short = abbreviate(name)
    assert len(short) <= ABBREVIATION_MAX
    assert to_gsm7(short) == short


def test_the_masked_name_is_said_compactly():
    assert compact_name("N*** V*** An") == "N.V. An"
    assert compact_name("A***") == "A***"
