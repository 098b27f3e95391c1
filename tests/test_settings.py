"""Start-up behaviour under production-like environments, in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables that the test run sets for itself and that a deployment sets on purpose.
_OURS = {
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "DEBUG",
    "HTTPS",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
}


def _manage(*args, **env):
    clean = {key: value for key, value in os.environ.items() if key not in _OURS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_fails_clearly_without_a_secret_key_when_debug_is_off():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = _manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "production-like-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="safety.example.nhs.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_rotated_secret_key_still_opens_what_the_old_one_sealed():
    old_key, new_key = "old-" + "k" * 50, "new-" + "k" * 50
    sealed = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from lmns.sealing import seal; print(seal('held'))",
        DEBUG="true",
        SECRET_KEY=old_key,
    )
    assert sealed.returncode == 0, sealed.stderr
    token = sealed.stdout.strip()
    opens = f"from lmns.sealing import unseal; print(unseal({token!r}))"

    rotated = _manage(
        "shell", "--no-imports", "-c", opens, DEBUG="true", SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=old_key
    )
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() == "held"
    forgotten = _manage("shell", "--no-imports", "-c", opens, DEBUG="true", SECRET_KEY=new_key)
    assert "InvalidToken" in forgotten.stderr
