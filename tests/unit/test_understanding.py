"""Words and numbers said aloud, as the core reads them: phrases by sound, digits one by one, ages, regions by name."""

from dataclasses import replace

import pytest

from ivr.core.numbers import spoken_age, spoken_area, spoken_digits
from ivr.core.regions import RegionBook
from ivr.core.understanding import _sounds, match, plain, sounds
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


@pytest.mark.parametrize("merged", [
    ("知", "资"), ("吃", "呲"), ("是", "四"), ("男", "兰"), ("发", "哈"),   # zh/z, ch/c, sh/s, n/l, f/h
    ("帮", "班"), ("风", "分"), ("星", "新"), ("船", "馋"),                # -ang/-an, -eng/-en, -ing/-in, -uan/-an
])
def test_the_sounds_many_accents_merge_are_one(merged):
    # Computed afresh: the sounds of a text are cached, and another test may have heard these characters already.
    _sounds.cache_clear()
    said, phrase = merged
    assert match(said, {"1": (phrase,)}).key == "1"
    assert sounds(said) == sounds(phrase) != sounds("一")


def test_the_radio_forms_of_digits_are_the_digits_on_either_side():
    assert match("按幺", {"1": ("一",)}, WORDS.same_as).key == "1"
    assert match("一", {"1": ("幺",)}, WORDS.same_as).key == "1"
    assert match("按幺", {"1": ("一",)}).key is None


def test_a_phrase_that_begins_a_longer_matched_phrase_does_not_count():
    assert match("缴费记录", {"2": ("缴费记录",), "7": ("缴费",)}).key == "2"


@pytest.mark.parametrize("said", ["幺零十", "一百", "1a2"])
def test_only_single_digits_are_digits_said_one_by_one(said):
    assert spoken_digits(said, WORDS) is None


def test_the_digits_cn2an_reads_itself_need_no_same_as():
    assert spoken_digits("〇两", WORDS.model_copy(update={"same_as": {}})) == "02"


def test_the_longest_way_of_saying_x_is_taken_first():
    words = WORDS.model_copy(update={"x_words": ["叉", "一个叉"]})
    assert spoken_digits("一一零一零五一九四九一二三一零零二一个叉", words) == "11010519491231002*"


@pytest.mark.parametrize("said, age", [
    ("六洞岁", "60"),   # digit by digit, in the radio forms
    ("72岁", "72"),     # as the recogniser may write it
    ("零岁", "0"),      # a number, which the age entry then refuses as it refuses 0 keyed
    ("七点五岁", None),
    ("负五岁", None),
])
def test_an_age_is_one_whole_number_of_zero_or_more(said, age):
    assert spoken_age(said, WORDS) == age


def test_an_id_number_s_x_is_no_area_code():
    assert spoken_area("零七五五叉", WORDS, HOTLINE.regions) is None


def test_the_longest_region_name_said_wins():
    # A city named inside its province's name (吉林 in 吉林省): the name said in full is the one meant.
    city, province = list(HOTLINE.regions.regions.values())[:2]
    regions = RegionBook(HOTLINE.regions.year, {
        "jilin_city": replace(city, key="jilin_city", name="吉林", area_codes=("0432",)),
        "jilin": replace(province, key="jilin", name="吉林省", area_codes=("0431",)),
    }, HOTLINE.regions.national)
    assert spoken_area("我在吉林省", WORDS, regions) == "0431"
    assert spoken_area("吉林市", WORDS, regions) == "0432"
