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


def test_make_run_and_make_serve_start_the_task_worker_beside_the_server():
    for target, server in (("run", "manage.py runserver"), ("serve", "bin/gunicorn")):
        [line] = [line for line in dry_run(target).splitlines() if server in line]
        assert "bin/with-worker" in line, target


FAKE_WORKER = """#!/bin/sh
# Stands in for `python manage.py requeue_stuck_tasks`, then `python manage.py db_worker`:
# says what it was asked and what it received.
echo "started $*" >> "$LOG"
[ "$2" = requeue_stuck_tasks ] && exit 0
trap 'echo "worker got TERM" >> "$LOG"; exit 0' TERM
trap 'echo "worker got INT" >> "$LOG"; exit 0' INT
while :; do sleep 0.05; done
"""


def _with_worker(tmp_path, *server: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "log"
    fake = tmp_path / "python"
    fake.write_text(FAKE_WORKER)
    fake.chmod(0o755)
    process = subprocess.Popen(
        [ROOT / "bin" / "with-worker", fake, *server],
        cwd=ROOT,
        env={"LOG": str(log), "PATH": "/usr/bin:/bin"},
    )
    for _ in range(100):  # the worker has started (at most 5 s)
        if "db_worker" in (log.read_text() if log.exists() else ""):
            break
        subprocess.run(["sleep", "0.05"], check=True)
    return process, log


def test_the_worker_stops_once_with_the_server_on_sigterm(tmp_path):
    process, log = _with_worker(tmp_path, "sleep", "30")
    process.terminate()
    assert process.wait(timeout=10) != 0
    assert log.read_text().splitlines() == [
        "started manage.py requeue_stuck_tasks",
        "started manage.py db_worker --no-reload",
        "worker got TERM",
    ]


def test_the_worker_stops_when_the_server_ends(tmp_path):
    process, log = _with_worker(tmp_path, "sh", "-c", "sleep 0.3; exit 3")
    assert process.wait(timeout=10) == 3  # the server's own exit status
    assert log.read_text().splitlines()[-1] == "worker got TERM"


def test_make_run_takes_another_port_and_says_where_the_boards_and_the_admin_are():
    commands = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "manage.py runserver 127.0.0.1:8123" in commands
    assert "http://127.0.0.1:8123/admin/" in commands
    assert "8000" not in commands
