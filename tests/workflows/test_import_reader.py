"""The shared workbook reader's cell conversions added for the cadre imports: months, dates or months, and text an
export neutralised ('=…) read back as typed."""

import datetime

import pytest

from workflows.imports import Column, cell_text, convert


@pytest.mark.parametrize("raw", ["1975-03", "1975.3", "197503", "1975年3月", "１９７５－０３", "1975-03-15",
                                 datetime.datetime(1975, 3, 15)])
def test_a_month_column_reads_a_year_and_month_as_the_first_day(raw):
    assert convert(Column("m", "出生年月", kind="month"), raw) == "1975-03-01"


@pytest.mark.parametrize(("raw", "expected"), [("2008-07-01", "2008-07-01"), ("2012.07", "2012-07-01"),
                                               ("20080701", "2008-07-01")])
def test_a_date_or_month_column_keeps_a_full_date_and_accepts_a_month(raw, expected):
    assert convert(Column("d", "参加工作时间", kind="date_or_month"), raw) == expected


def test_a_bad_month_is_explained_in_chinese():
    with pytest.raises(ValueError, match="日期格式不正确，请按 1985-03 填写。"):
        convert(Column("m", "出生年月", kind="month"), "七十年代")


def test_a_plain_date_column_still_wants_the_day():
    with pytest.raises(ValueError, match="日期格式不正确，请按 2024-03-15 填写。"):
        convert(Column("d", "日期", kind="date"), "2012.07")


def test_text_an_export_neutralised_reads_back_as_typed():
    assert [cell_text(v) for v in ("'=1+1", "'+SUM(A1)", "'-2", "'@x", "'普通文字")] == [
        "=1+1", "+SUM(A1)", "-2", "@x", "'普通文字"]
