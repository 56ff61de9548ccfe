"""Settings from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_settings_start_in_debug_without_secret_key():
    result = run_manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_settings_deploy_checks_are_clean_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-real-secret-" + "x" * 50,
        HTTPS="1",
        ALLOWED_HOSTS="openspaces.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_notes_days_comes_from_the_environment_and_is_never_negative():
    show = "from django.conf import settings; print(settings.OPENSPACES_NOTES_DAYS)"
    assert run_manage("shell", "-c", show, DEBUG="1").stdout.split()[-1] == "14"
    days = run_manage("shell", "-c", show, DEBUG="1", OPENSPACES_NOTES_DAYS="3")
    assert days.stdout.split()[-1] == "3"
    negative = run_manage("shell", "-c", show, DEBUG="1", OPENSPACES_NOTES_DAYS="-5")
    assert negative.stdout.split()[-1] == "0"
