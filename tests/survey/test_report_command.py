"""``survey_report``: the same report as the web pages, from the command line."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from survey.models import Report

from .reporting import build_answered_survey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey():
    return build_answered_survey()


def test_the_command_builds_a_report_with_a_progress_bar_and_writes_its_file(survey, tmp_path):
    output = io.StringIO()

    call_command(
        "survey_report", survey.slug, "--by", "kind", "--output", str(tmp_path / "r.xlsx"),
        "--language", "en", stdout=output, stderr=io.StringIO(),
    )  # fmt: skip

    report = Report.objects.get()
    assert (report.status, report.breakdown, report.formats) == ("done", "kind", ["xlsx"])
    assert "[##############################] 100 %" in output.getvalue()
    assert "  0 %" in output.getvalue()
    workbook = load_workbook(tmp_path / "r.xlsx")
    assert workbook.sheetnames[0] == "Summary"


def test_the_command_writes_csv_to_standard_output(survey, capsysbinary):
    call_command("survey_report", survey.slug, "--format", "csv", "--output", "-",
                 "--language", "en")  # fmt: skip

    captured = capsysbinary.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out.decode("utf-8-sig"))))
    coop = next(r for r in rows if r["question"] == "kind" and r["option"] == "coop")
    assert coop["count"] == "8"


def test_an_unknown_survey_is_an_error(db):
    with pytest.raises(CommandError, match="No survey"):
        call_command("survey_report", "nope")


def test_a_report_nobody_builds_times_out_with_a_clear_message(survey, settings):
    from coopmap.celery import app

    # A broker without a worker: the task is sent and nobody takes it.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    app._pool = None

    with pytest.raises(CommandError, match="No Celery worker took the report within 1 seconds"):
        call_command("survey_report", survey.slug, "--timeout", "1", stdout=io.StringIO())

    assert Report.objects.get().status == Report.Status.QUEUED
