"""A step record survives its trip through Redis unchanged, and what is not one is refused, not half read."""

from __future__ import annotations

import datetime as dt

import pytest

from ivr.telephony.flow import StepRecord

AT = dt.datetime(2026, 11, 28, 2, 30, 15, 123456, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("record", [
    StepRecord("CA1", "start", "main", False, AT),
    StepRecord("CA2", "keys", "余额", True, AT, "beijing", True, True, "nomatch", "满意"),
    StepRecord("CA3", "dialended", "rating", False, AT, rating=None),
])
def test_a_record_reads_back_as_it_was_written(record):
    assert StepRecord.from_text(record.to_text()) == record


@pytest.mark.parametrize("text", ["", "{}", "[]", '["CA1"]', '["CA1","keys","main",false,"2026-13-01",'
                                  '"",false,false,"",null]', "null", '"text"'])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        StepRecord.from_text(text)
