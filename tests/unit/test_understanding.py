"""Words and numbers said aloud, as the core reads them: phrases by sound, digits one by one, ages, regions by name."""

import pytest

from ivr.core.numbers import spoken_age, spoken_area, spoken_digits
from ivr.core.understanding import match, plain
from tests.prompts import HOTLINE, SETTINGS

WORDS = SETTINGS.recognition
PHRASES = {"1": ("余额",), "9": ("主菜单", "返回"), "2": ("缴费记录",)}


def test_plain_text_drops_punctuation_of_either_width_and_makes_the_digit_forms_one():
    assert plain("余额？ 两、幺。Ｘ", WORDS.same_as) == "余额二一x"


@pytest.mark.parametrize("said, keys", [
    ("我想查一下我的余额。", {"1"}),
    ("鱼额", {"1"}),                      # a near-homophone
    ("返回主菜单", {"9"}),                  # two phrases of one key
    ("余额和缴费记录", {"1", "2"}),          # two keys: ambiguous, as good as none
    ("菜单", set()),                        # a part of a phrase is not the phrase
    ("天气预报", set()),
])
def test_an_utterance_matches_the_keys_whose_phrases_it_says(said, keys):
    assert match(said, PHRASES, WORDS.same_as).keys == keys


def test_a_phrase_inside_a_longer_matched_phrase_does_not_count():
    assert match("不是", {"yes": ("是",), "no": ("不是",)}).key == "no"


@pytest.mark.parametrize("said, keys", [
    ("幺幺零幺零幺，一九六幺零六零八，零零两四", "110101196106080024"),
    ("我的身份证号是 1101 0519 4912 3100 2X", "11010519491231002*"),
    ("一一零一零五一九四九一二三一零零二叉", "11010519491231002*"),
    ("洞七五五", "0755"),
    ("余额", None),
    ("一二叉三", None),
])
def test_digits_said_one_by_one(said, keys):
    assert spoken_digits(said, WORDS) == keys


@pytest.mark.parametrize("said, age", [("七十二", "72"), ("七十二岁", "72"), ("我今年六十五周岁了", "65"), ("一百", "100"),
                                        ("两岁", "2"), ("不知道", None)])
def test_an_age_said_as_a_number(said, age):
    assert spoken_age(said, WORDS) == age


@pytest.mark.parametrize("said, code", [("深圳", "0755"), ("我在北京。", "010"), ("零二一", "021"), ("宿州", None),
                                        ("火星", None)])
def test_an_area_code_said_as_digits_or_a_region_by_its_characters_never_by_sound(said, code):
    # Suzhou in Anhui (宿州) sounds like Suzhou in Jiangsu (苏州), a region of its own: names are compared as written.
    assert spoken_area(said, WORDS, HOTLINE.regions) == code
