"""The FTSU encryption key: required outside development, and checked at start-up."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(**env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "FTSU_ENCRYPTION_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_stops_without_an_encryption_key_when_debug_is_off():
    result = _check(SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "FTSU_ENCRYPTION_KEY is not set" in result.stderr


def test_start_up_stops_with_a_key_that_is_not_a_fernet_key():
    result = _check(SECRET_KEY="s" * 60, FTSU_ENCRYPTION_KEY="not-a-key")
    assert result.returncode != 0
    assert "FTSU_ENCRYPTION_KEY must be Fernet keys" in result.stderr


def test_development_derives_a_key():
    assert _check(DEBUG="true").returncode == 0
