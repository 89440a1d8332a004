from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.audit.models import AuditEvent
from portal.audit.notes import generate as generate_log_key
from portal.models import User

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp2vLm9Rt" * 6,
    "ALLOWED_HOSTS": "hallmark.example.com",
    "DATABASE_URL": "postgres://hallmark@127.0.0.1:5432/hallmark",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example.com",
    "HALLMARK_FIELD_KEY": "a" * 44,
    "HALLMARK_LOG_SIGNING_KEY": generate_log_key("hallmark.example.com/audit-log").signing_key_text(),
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "Production needs PostgreSQL"),
        ("CELERY_BROKER_URL", "CELERY_BROKER_URL must be set"),
        ("HALLMARK_LOG_SIGNING_KEY", "HALLMARK_LOG_SIGNING_KEY must be set"),
    ],
)
def test_production_refuses_to_start_without_real_configuration(missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_refuses_to_switch_two_factor_off():
    result = _manage("check", env={**PRODUCTION_ENV, "HALLMARK_STAFF_2FA": "false"})
    assert result.returncode != 0
    assert "HALLMARK_STAFF_2FA cannot be switched off" in result.stderr


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_and_can_run_twice(capsys):
    call_command("seed_demo", "--password", "a-demo-password-1")
    call_command("seed_demo", "--password", "a-demo-password-1")
    out = capsys.readouterr().out
    names = ["demo-seller", "demo-officer", "demo-moderator", "demo-senior", "demo-auditor", "demo-admin"]
    assert set(User.objects.filter(username__in=names).values_list("username", flat=True)) == set(names)
    assert User.objects.get(username="demo-officer").check_password("a-demo-password-1")
    assert "TOTP secret" in out
    assert not User.objects.get(username="demo-seller").is_staff
    assert AuditEvent.objects.filter(action="portal.user.created").count() == len(names)


@pytest.mark.django_db
def test_seed_demo_and_totp_code_are_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused"):
        call_command("seed_demo")
    with pytest.raises(CommandError, match="refused"):
        call_command("totp_code", "demo-officer")


@pytest.mark.django_db
def test_totp_code_prints_the_current_code(capsys):
    from tests.helpers import current_totp

    call_command("seed_demo")
    capsys.readouterr()
    call_command("totp_code", "demo-officer")
    code = capsys.readouterr().out.strip()
    device = User.objects.get(username="demo-officer").totpdevice_set.get()
    assert code == current_totp(device)


def test_passwords_are_hashed_with_argon2_outside_tests():
    import portal.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MODERATION_SLA_HOURS", "counterfeit=twelve", "MODERATION_SLA_HOURS: 'counterfeit=twelve' is not name=number"),
        ("MODERATION_SLA_HOURS", "urgent=4", "MODERATION_SLA_HOURS: 'urgent=4' is not name=number"),
        ("MODERATION_STRIKE_THRESHOLDS", "suspend=0", "MODERATION_STRIKE_THRESHOLDS: 'suspend=0'"),
        ("MODERATION_CLAIM_MINUTES", "soon", "MODERATION_CLAIM_MINUTES must be a whole number"),
        ("MODERATION_SLA_HOURS", "default=²", "MODERATION_SLA_HOURS: 'default=²' is not name=number"),
        ("MODERATION_REPORT_RATE", "600", "MODERATION_REPORT_RATE must be a number of notices per"),
        ("MODERATION_STRIKE_THRESHOLDS", "warn=30", "MODERATION_STRIKE_THRESHOLDS must climb"),
        ("MODERATION_TRIAGE_DELAY", "-1", "MODERATION_TRIAGE_DELAY must be at least 0"),
    ],
)
def test_a_bad_moderation_tunable_stops_the_start_with_its_name(name, value, message):
    result = _manage("check", env={name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_moderation_tunables_come_from_the_environment():
    probe = (
        "from django.conf import settings as s; "
        "print(s.MODERATION_SLA_HOURS, s.MODERATION_STRIKE_THRESHOLDS, s.MODERATION_CLAIM_MINUTES)"
    )
    result = _manage(
        "shell",
        "-c",
        probe,
        env={
            "MODERATION_SLA_HOURS": "counterfeit=24, default=48",
            "MODERATION_STRIKE_THRESHOLDS": "suspend=30",
            "MODERATION_CLAIM_MINUTES": "5",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{'counterfeit': 24, 'default': 48} {'suspend': 30} 5"


_DB_PROBE = (
    "from django.conf import settings; d = settings.DATABASES['default']; o = d['OPTIONS']; "
    "print(d['ENGINE'], d['DISABLE_SERVER_SIDE_CURSORS'], o.get('prepare_threshold'), "
    "o.get('server_side_binding'), o.get('pool'), d['CONN_MAX_AGE'])"
)


@pytest.mark.parametrize(
    ("pool", "pooler", "expected"),
    [
        # Django's backend; psycopg binds on the server and prepares what runs five times.
        ("", "", "django.db.backends.postgresql False 5 True None 60"),
        # Django's pool instead of persistent connections.
        ("true", "", "django.db.backends.postgresql False 5 True True 0"),
        # Behind PgBouncer in transaction mode: nothing that outlives a transaction.
        ("", "true", "django.db.backends.postgresql True None None None 60"),
        ("off", "off", "django.db.backends.postgresql False 5 True None 60"),
    ],
)
def test_postgresql_runs_on_djangos_backend_with_a_pool_or_behind_a_pooler(pool, pooler, expected):
    env = {
        "DATABASE_URL": "postgres://hallmark@127.0.0.1:5432/hallmark",
        "DATABASE_POOL": pool,
        "DATABASE_BEHIND_POOLER": pooler,
    }
    result = _manage("shell", "-c", _DB_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_a_pool_behind_a_pooler_is_refused():
    env = {
        "DATABASE_URL": "postgres://hallmark@127.0.0.1:5432/hallmark",
        "DATABASE_POOL": "true",
        "DATABASE_BEHIND_POOLER": "true",
    }
    result = _manage("shell", "-c", _DB_PROBE, env=env)
    assert result.returncode != 0 and "DATABASE_POOL and DATABASE_BEHIND_POOLER" in result.stderr
