"""The production profile: refuses to start without real secrets, passes `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "CDM_BLIND_INDEX_KEY",
                                                            "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "CRYPTOGRAPHY_KEY",
                                                            "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base | env,
                          capture_output=True, text=True, timeout=120)


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = _run("check", DEBUG="0", ALLOWED_HOSTS="cdm.example.com", CDM_BLIND_INDEX_KEY="x" * 40, CRYPTOGRAPHY_KEY="y" * 40)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    result = _run("check", DEBUG="0", SECRET_KEY="django-insecure-cdm-development-only-never-use-in-production",
                  ALLOWED_HOSTS="cdm.example.com", CDM_BLIND_INDEX_KEY="x" * 40, CRYPTOGRAPHY_KEY="y" * 40)
    assert result.returncode != 0 and "too weak" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    result = _run("check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), CDM_BLIND_INDEX_KEY="x" * 40, CRYPTOGRAPHY_KEY="y" * 40)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_the_production_profile_passes_check_deploy(tmp_path):
    # A database of its own: the development database holds data encrypted with the development keys,
    # which the key canary would (rightly) report.
    result = _run("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
                  ALLOWED_HOSTS="cdm.example.com", CDM_BLIND_INDEX_KEY=secrets.token_urlsafe(32),
                  CRYPTOGRAPHY_KEY=secrets.token_urlsafe(32), DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_on_starts_with_development_defaults():
    result = _run("check", DEBUG="1")
    assert result.returncode == 0, result.stderr
