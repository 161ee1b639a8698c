"""The files of a report hold exactly the expected figures: CSV, XLSX, JSON and PDF."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from coopmap.csvsafe import neutralize
from survey.models import ReportFile
from survey.reporting import services
from survey.reporting.exports import write_csv
from tests.factories import InvitationFactory, OrganizationFactory

from .reporting import FORMULA, answer, build_answered_survey, group_b

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return build_answered_survey(title_en="Needs of the network", title_de="Größe der Bedürfnisse")


@pytest.fixture
def build(django_capture_on_commit_callbacks):
    def build(survey, **parameters):
        parameters.setdefault("language", "en")
        with django_capture_on_commit_callbacks(execute=True):
            report, _created = services.report_request(survey=survey, **parameters)
        report.refresh_from_db()
        assert report.status == "done", report.error
        return report

    return build


def path_of(report, kind):
    return report.files.get(kind=kind).file.path


def read_csv(report, kind=ReportFile.Kind.CSV) -> list[dict]:
    with open(path_of(report, kind), encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def aggregate(rows, question, option, group="(all)", item=""):
    return next(
        row
        for row in rows
        if (row["question"], row["option"], row["group"], row["item"])
        == (question, option, group, item)
    )


def pdf_text(report) -> str:
    reader = PdfReader(path_of(report, ReportFile.Kind.PDF))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_holds_counts_shares_means_and_medians_in_long_format(survey, build):
    rows = read_csv(build(survey, formats=["csv"]))

    assert list(rows[0]) == [
        "section", "question", "question_text", "item", "option", "option_label",
        "group", "group_label", "count", "share", "mean", "median",
    ]  # fmt: skip
    coop = aggregate(rows, "kind", "coop")
    assert (coop["count"], coop["share"], coop["option_label"]) == ("8", "0.6154", "Cooperative")
    people = aggregate(rows, "people", "(answered)")
    assert (people["count"], people["mean"], people["median"]) == ("13", "13.6923", "6.0")
    tax = aggregate(rows, "obstacles", "(answered)", item="tax")
    assert (tax["count"], tax["mean"], tax["median"]) == ("13", "3.1538", "3.0")
    assert aggregate(rows, "hosting-detail", "(skipped)")["count"] == "1"
    # platform users: answered by 4, so withheld: an empty cell, never a text among numbers.
    assert aggregate(rows, "platform-users", "(answered)")["mean"] == ""
    assert aggregate(rows, "offer", "(skipped)")["count"] == "8"


def test_the_csv_withholds_small_groups_unless_the_report_is_internal(survey, build):
    shared = read_csv(build(survey, formats=["csv"], breakdown="kind"))
    internal = read_csv(build(survey, formats=["csv"], breakdown="kind", internal=True))

    def coop(rows, group):
        return next(
            row for row in rows
            if row["question"] == "kind" and row["option"] == "coop" and row["group"] == group
        )  # fmt: skip

    assert (coop(shared, "(all)")["count"], coop(shared, "(all)")["share"]) == ("8", "0.6154")
    assert (coop(shared, "initiative")["count"], coop(shared, "initiative")["share"]) == ("", "")
    assert coop(internal, "initiative")["count"] == "2"


def test_the_csv_cross_table_has_a_row_per_group(survey, build):
    rows = read_csv(build(survey, formats=["csv"], breakdown="kind", internal=True))

    coop = {row["group"]: row["count"] for row in rows if row["question"] == "kind"
            and row["option"] == "coop"}  # fmt: skip
    assert coop == {"(all)": "8", "platform_coop": "6", "cooperative": "0", "initiative": "2"}
    means = {row["group"]: row["mean"] for row in rows if row["question"] == "people"
             and row["option"] == "(answered)"}  # fmt: skip
    assert means == {"(all)": "13.6923", "platform_coop": "3.5", "cooperative": "30.0",
                     "initiative": "3.5"}  # fmt: skip


def test_each_organizations_answers_are_only_in_internal_reports(survey, build):
    shared = build(survey, formats=["csv"])
    internal = build(survey, formats=["csv"], internal=True)

    assert not shared.files.filter(kind=ReportFile.Kind.ANSWERS_CSV).exists()
    rows = read_csv(internal, ReportFile.Kind.ANSWERS_CSV)
    a1 = [row for row in rows if row["organization"] == "A1 eG"]
    assert [row["question"] for row in a1] == [
        "kind", "platform", "platform-name", "people", "needs", "hosting-detail",
        "usefulness", "obstacles", "obstacles", "platform-users", "comment", "offer",
    ]  # fmt: skip
    needs = next(row for row in a1 if row["question"] == "needs")
    assert (needs["value"], needs["kind"], needs["sectors"]) == (
        "hosting|legal",
        "Platform co-op",
        "hosting",
    )
    b5_kind = next(
        row for row in rows if row["organization"] == "B5 eG" and row["question"] == "kind"
    )
    assert (b5_kind["value"], b5_kind["other_text"]) == ("other", "Genossenschaft in Gründung")
    assert "Draft eG" not in {row["organization"] for row in rows}
    assert len({row["organization"] for row in rows}) == 13


def test_formula_injection_is_neutralized_in_csv_and_xlsx(survey, build):
    # A region abroad is stored as written (a German entry gets its federal state instead).
    sneaky = OrganizationFactory(name="Sneaky eG", country="AT", state="@SUM(1+1)")
    answer(InvitationFactory(survey=survey, organization=sneaky), group_b(1))
    report = build(survey, formats=["csv", "xlsx"], breakdown="state", internal=True)

    answers = read_csv(report, ReportFile.Kind.ANSWERS_CSV)
    comment = next(row for row in answers if row["question"] == "comment")
    assert comment["value"] == "'" + FORMULA
    assert {row["state"] for row in answers if row["organization"] == "Sneaky eG"} == {"'@SUM(1+1)"}
    groups = {row["group"] for row in read_csv(report)}
    assert "'@SUM(1+1)" in groups
    assert "@SUM(1+1)" not in groups
    workbook = load_workbook(path_of(report, ReportFile.Kind.XLSX))
    values = [cell for row in workbook["Answers"].iter_rows(values_only=True) for cell in row]
    assert "'" + FORMULA in values
    assert FORMULA not in values
    assert not any(isinstance(v, str) and v.startswith(("=", "@", "+")) for v in values)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_prefix_gets_an_apostrophe(value):
    assert neutralize(value) == "'" + value


def test_numbers_and_plain_text_are_written_as_they_are(tmp_path):
    write_csv([[-5, "Genossenschaft", "a=b"]], ["n", "name", "text"], tmp_path / "x.csv")

    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["-5", "Genossenschaft", "a=b"]


# --- XLSX ---------------------------------------------------------------------------------------


def test_the_workbook_has_a_summary_a_sheet_per_section_and_the_answers(survey, build):
    report = build(survey, formats=["xlsx"], internal=True)
    workbook = load_workbook(path_of(report, ReportFile.Kind.XLSX))

    assert workbook.sheetnames == [
        "Summary",
        "Basics",
        "Needs",
        "Platform",
        "Final words",
        "Answers",
    ]
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    people_text = survey.sections.get(code="basics").questions.get(code="people").text_en
    people = next(row for row in summary if row[1] == people_text)
    assert people[3:8] == (13, 0, 0, 13.6923, 6)
    basics = list(workbook["Basics"].iter_rows(values_only=True))
    cooperative = next(row for row in basics if row[0] == "Cooperative")
    assert cooperative[:3] == ("Cooperative", 8, 0.615385)
    answers = list(workbook["Answers"].iter_rows(values_only=True))
    assert len({row[0] for row in answers[1:]}) == 13


def test_the_shared_workbook_hides_small_cells_and_has_no_answers_sheet(survey, build):
    report = build(survey, formats=["xlsx"], breakdown="kind")
    workbook = load_workbook(path_of(report, ReportFile.Kind.XLSX))

    assert "Answers" not in workbook.sheetnames
    basics = list(workbook["Basics"].iter_rows(values_only=True))
    header = next(row for row in basics if row[0] == "Answer")
    assert header[1:4] == ("All organizations (n)", "All organizations (%)", "Platform co-op (n)")
    cooperative = next(row for row in basics if row[0] == "Cooperative")
    # The cooperative and initiative groups are withheld: empty cells, explained below.
    assert cooperative[1:] == (8, 0.615385, 6, 1.0, None, None, None, None)
    assert any(row[0] and str(row[0]).startswith("Empty cells: — withheld") for row in basics)


# --- JSON ---------------------------------------------------------------------------------------


def test_the_json_holds_the_suppressed_result_without_individual_answers(survey, build):
    report = build(survey, formats=["json"], breakdown="kind")
    with open(path_of(report, ReportFile.Kind.JSON), encoding="utf-8") as file:
        data = json.load(file)

    assert data["meta"]["respondents"] == 13
    assert data["meta"]["suppressed"] is True
    assert [c["respondents"] for c in data["columns"]] == [13, 6, 5, 2]
    kind = next(q for s in data["sections"] for q in s["questions"] if q["code"] == "kind")
    assert kind["rows"][0]["counts"] == [8, 6, None, None]  # withheld groups: null
    assert data["texts"] == {}
    people = next(q for s in data["sections"] for q in s["questions"] if q["code"] == "people")
    assert people["stats"]["median"][:2] == [6.0, 3.5]


def test_the_internal_json_holds_exact_figures_and_written_answers(survey, build):
    report = build(survey, formats=["json"], internal=True)
    with open(path_of(report, ReportFile.Kind.JSON), encoding="utf-8") as file:
        data = json.load(file)

    kind = next(q for s in data["sections"] for q in s["questions"] if q["code"] == "kind")
    assert [row["counts"][0] for row in kind["rows"]] == [8, 4, 1]
    assert data["texts"]["comment"][0]["text"] == FORMULA


# --- PDF ----------------------------------------------------------------------------------------


def test_the_pdf_has_the_titles_method_and_numbers(survey, build):
    text = pdf_text(build(survey, formats=["pdf"]))

    assert "Needs of the network" in text
    assert "Method" in text
    assert "fewer than 5" in text
    assert "Response rate" in text
    assert "86.7 %" in text  # 13 of 15
    kind_text = survey.sections.get(code="basics").questions.get(code="kind").text_en
    assert kind_text in text
    assert "Answered: 13 · Skipped: 0 · Not asked: 0" in text
    assert "61.5 %" in text  # coop: 8 of 13
    assert "Mean: 13.69 · Median: 6.0" in text
    assert "< 5" not in text
    assert "Figures withheld: too few organizations answered this question." in text
    assert "EU-Server" not in text  # written answers stay out


def test_the_pdf_of_an_internal_report_still_hides_small_cells(survey, build):
    text = pdf_text(build(survey, formats=["pdf"], internal=True, breakdown="kind"))

    assert "Platform co-op" in text
    text = " ".join(text.split())
    assert "Withheld groups (fewer than 5 respondents): Initiative (2)" in text
    assert "— withheld" in text
    assert "30.8 %" in text  # association 4 of 13 in the column of all organizations
    assert "Cooperative (5)" in text  # withheld so that the initiatives' 2 cannot be worked out


def test_the_pdf_speaks_the_requesters_language_with_umlauts(survey, build):
    text = pdf_text(build(survey, formats=["pdf"], language="de"))

    assert "Größe der Bedürfnisse" in text
    assert "61,5 %" in text  # German decimal comma


# --- Twelve responses: the column of all organizations is readable everywhere ------------------


def test_twelve_responses_have_every_all_respondents_figure_and_chart_in_every_channel(
    survey, build, manager_client
):
    from survey.models import Response

    Response.objects.filter(invitation__organization__name="C2 eG").delete()
    report = build(survey, breakdown="kind")
    with open(path_of(report, ReportFile.Kind.JSON), encoding="utf-8") as file:
        data = json.load(file)
    assert data["meta"]["respondents"] == 12
    closed = [q for s in data["sections"] for q in s["questions"] if q["rows"] or q["items"]]
    published = [q for q in closed if q["answered"][0] >= 5]
    assert len(published) == 6  # all closed questions but the one 4 answered
    for q in published:
        rows = q["rows"] + [row for item in q["items"] for row in item["rows"]]
        if q["kind"] == "number":  # ranges held by fewer than 5 are hidden, the rest shown
            assert any(row["counts"][0] is not None for row in rows), q["code"]
        else:
            assert all(row["counts"][0] is not None for row in rows), q["code"]
            assert all(row["shares"][0] is not None for row in rows), q["code"]
    kind = next(q for q in closed if q["code"] == "kind")
    assert [row["counts"][0] for row in kind["rows"]] == [7, 4, 1]

    manager_client.cookies["django_language"] = "en"
    page = manager_client.get(report.get_absolute_url()).content.decode()
    assert page.count('<svg class="report-chart"') == len(published)
    assert page.count('fill="#0b6b53"') >= len(published)  # a bar of all organizations each

    workbook = load_workbook(path_of(report, ReportFile.Kind.XLSX))
    basics = list(workbook["Basics"].iter_rows(values_only=True))
    cooperative = next(row for row in basics if row[0] == "Cooperative")
    assert cooperative[1:5] == (7, 0.583333, 6, 1.0)

    text = " ".join(pdf_text(report).split())
    assert "58.3 %" in text  # coop: 7 of 12, drawn as a bar of all organizations


def test_a_csv_for_german_excel_sits_beside_the_plain_one(survey, build):
    report = build(survey, formats=["csv"])
    path = path_of(report, ReportFile.Kind.CSV_EXCEL_DE)
    with open(path, "rb") as file:
        raw = file.read()

    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    coop = aggregate(rows, "kind", "coop")
    assert (coop["count"], coop["share"]) == ("8", "0,6154")
