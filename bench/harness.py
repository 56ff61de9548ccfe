"""Shared by bench/run.py and bench/faults.py: databases, gunicorn, wrk.

Everything runs on loopback, on ports 8004-8010, and is stopped at the end.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgres://postgres@127.0.0.1:{port}/postgres"


def _cpus(role: str) -> str:
    """The CPUs (a taskset list) for the server or the load generator; "" for no pinning.

    BENCH_SERVER_CPUS and BENCH_CLIENT_CPUS choose them; by default, on a machine with
    two or more CPUs and taskset, the load generator gets the last CPU and the server
    the others, so that the client's own work does not count as server latency.
    BENCH_PIN=0 turns pinning off.
    """
    if os.environ.get("BENCH_PIN") == "0" or not shutil.which("taskset"):
        return ""
    if chosen := os.environ.get(f"BENCH_{role.upper()}_CPUS"):
        return chosen
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return ""
    return ",".join(map(str, cpus[:-1])) if role == "server" else str(cpus[-1])


def pinned(command: list[str], role: str) -> list[str]:
    """`command` run under taskset on the CPUs of `role` ("server" or "client")."""
    cpus = _cpus(role)
    return ["taskset", "-c", cpus, *command] if cpus else command


def pinning() -> str:
    """The pinning in words, for the results table."""
    server, client = _cpus("server"), _cpus("client")
    return f"server on CPU {server}, load generator on CPU {client}" if server else "no pinning"


def base_env(*, database_url: str, redis_url: str = "", port: int = 8004, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS"}
    }
    env.update(
        SECRET_KEY="bench-only-secret-key-" + "b" * 40,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        OPENSPACES_CLAIM_RATE="0",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def fresh_postgres(name: str, port: int = 5432) -> str:
    """Drop and create database `name` (it must start with os_production); return its URL."""
    assert name.startswith("os_production"), name
    import psycopg

    with psycopg.connect(PG_ADMIN.format(port=port), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


def fresh_sqlite(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def use_root(root: Path) -> None:
    """Run another checkout's code (its .venv too), e.g. main's, for a before/after figure;
    the bench's own scripts (this folder) still seed and measure."""
    global ROOT, PYTHON, GUNICORN
    ROOT, PYTHON = root, str(root / ".venv" / "bin" / "python")
    GUNICORN = str(root / ".venv" / "bin" / "gunicorn")


def seed(env: dict) -> dict:
    manage(env, "migrate", "--noinput", "-v0")
    # This folder's seed.py, on the code of ROOT (its working directory).
    result = subprocess.run(
        [PYTHON, str(Path(__file__).resolve().parent / "seed.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"bench/seed.py failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_gunicorn(env: dict, log: Path, *args: str) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        pinned(
            [GUNICORN, "-c", "openspaces/gunicorn.conf.py", *args, "openspaces.wsgi"], "server"
        ),
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    sys.exit(f"gunicorn did not answer on port {port}; see {log}")


def worker_pids(process: subprocess.Popen) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def stop(process: subprocess.Popen) -> None:
    """Stop one gunicorn master we started (and its workers) by its pid."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(number) * UNITS[unit], 2)


def wrk(url: str, *, seconds: int = 5, connections: int = 16, headers: dict | None = None):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        pinned([*command, url], "client"), capture_output=True, text=True, check=True
    ).stdout
    figures = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50_ms": _ms(re.search(r"\n\s+50%\s+(\S+)", out)[1]),
        "p99_ms": _ms(re.search(r"\n\s+99%\s+(\S+)", out)[1]),
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    figures["non_2xx_3xx"] = int(bad[1]) if bad else 0
    figures["socket_errors"] = errors[1] if errors else ""
    return figures


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
