"""The README's two commands: what `make run` and `make test` do on a fresh machine."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(target: str) -> str:
    return subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_sets_up_the_demo_and_serves_it_on_port_8000():
    commands = dry_run("run")
    assert "manage.py migrate --noinput" in commands
    assert "manage.py load_demo" in commands
    assert "manage.py runserver 127.0.0.1:8000" in commands
    assert "requirements/dev.txt" in commands  # installs from the lock on a fresh machine


def test_make_test_runs_pytest_after_collecting_static_files():
    commands = dry_run("test")
    assert "manage.py collectstatic" in commands
    assert "bin/pytest" in commands
