"""The production profile: refuses to start without real secrets, passes `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "cdm.example.com",
              "CDM_BLIND_INDEX_KEY": secrets.token_urlsafe(32), "CRYPTOGRAPHY_KEY": secrets.token_urlsafe(32),
              "CDM_PUBLIC_BASE_URL": "https://cdm.example.com"}


def _run(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "CDM_BLIND_INDEX_KEY",
                                                            "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "CRYPTOGRAPHY_KEY",
                                                            "DJANGO_ALLOW_ASYNC_UNSAFE", "CDM_PUBLIC_BASE_URL",
                                                            "CDM_TRUSTED_PROXY_COUNT", "CDM_LOGIN_FAILURE_LIMIT",
                                                            "CDM_LOGIN_COOLOFF_MINUTES", "CDM_SESSION_IDLE_MINUTES",
                                                            "CDM_SESSION_MAX_HOURS")}
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
    result = _run("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                  DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_without_a_public_base_url_refuses_to_start(tmp_path):
    production = {k: v for k, v in PRODUCTION.items() if k != "CDM_PUBLIC_BASE_URL"}
    result = _run("check", **production, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode != 0
    assert "CDM_PUBLIC_BASE_URL is not set" in result.stderr and "https://cdm.example.com" in result.stderr


def test_a_public_base_url_that_is_not_an_address_refuses_to_start(tmp_path):
    result = _run("check", **PRODUCTION | {"CDM_PUBLIC_BASE_URL": "cdm.example.com"},
                  DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode != 0 and "CDM_PUBLIC_BASE_URL must be an absolute http(s) address" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("CDM_TRUSTED_PROXY_COUNT", "one"), ("CDM_LOGIN_FAILURE_LIMIT", "0"),
                                             ("CDM_SESSION_IDLE_MINUTES", "-5")])
def test_a_number_setting_that_is_not_a_number_refuses_to_start(name, value):
    result = _run("check", DEBUG="1", **{name: value})
    assert result.returncode != 0 and f"{name} must be a whole number" in result.stderr


def test_debug_on_starts_with_development_defaults():
    result = _run("check", DEBUG="1")
    assert result.returncode == 0, result.stderr
