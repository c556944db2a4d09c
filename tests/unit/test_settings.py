"""Settings: parsed from SHIRUBE_* variables, validated, every one documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOCS.read_text()
    missing = [
        f.name
        for f in fields(Settings)
        if f.name != "extra" and f"SHIRUBE_{f.name.upper()}" not in text
    ]
    assert missing == []


def test_values_are_read_and_typed_from_the_environment():
    s = Settings.from_env(
        {
            "SHIRUBE_DEMO": "yes",
            "SHIRUBE_MAX_SDK_BATCH": "50",
            "SHIRUBE_DATABASE_URL": "sqlite:///x.db",
        }
    )
    assert s.demo is True and s.max_sdk_batch == 50 and s.database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    "env",
    [
        {"SHIRUBE_DEMO": "perhaps"},
        {"SHIRUBE_MAX_SDK_BATCH": "many"},
        {"SHIRUBE_ENVIRONMENT": "staging-ish"},
        {"SHIRUBE_ENVIRONMENT": "production"},
        {"SHIRUBE_ENVIRONMENT": "production", "SHIRUBE_SECRET_KEY": "changeme"},
    ],
)
def test_bad_or_unsafe_values_are_refused_with_the_variable_named(env):
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert "SHIRUBE_" in str(info.value)


def test_production_accepts_a_real_secret():
    s = Settings.from_env({"SHIRUBE_ENVIRONMENT": "production", "SHIRUBE_SECRET_KEY": "x" * 40})
    assert s.environment == "production"
