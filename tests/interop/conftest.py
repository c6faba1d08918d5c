"""Shared fixtures for interop tests against real peers.

Budget (CI must stay well inside 90 minutes): interop data <= 100k events, one
SparkSession for the whole pytest session (created only if a test asks).
"""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(pathlib.Path(__file__).parent))

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("TZ", "UTC")


@pytest.fixture(scope="session")
def bullion_bin():
    path = os.environ.get("BULLION_BINARY", str(ROOT / "build" / "src" / "cli" / "bullion"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"bullion binary not found at {path}: run scripts/build.sh first")
    return path


@pytest.fixture(scope="session")
def run_bullion(bullion_bin):
    """Runs bullion with arguments; returns CompletedProcess (text). Fails the test on non-zero exit unless check=False."""

    def run(*args, check=True, env=None, **kwargs):
        full_env = dict(os.environ)
        full_env["BULLION_PROGRESS"] = "0"
        if env:
            full_env.update(env)
        proc = subprocess.run([bullion_bin, *map(str, args)], capture_output=True, text=True, env=full_env, **kwargs)
        if check and proc.returncode != 0:
            pytest.fail(f"bullion {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def spark():
    from spark_session import build_spark_session

    session = build_spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def shared_dir():
    return SHARED
