"""Configuration layers (defaults < system < user < env < flags), IT's locked keys, provenance."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assist.config import debug_logging, effective_settings, fallback_settings, load_settings
from common.errors import ConfigError
from common.paths import system_config_file

SYSTEM = """\
[helpdesk]
kind = "rt"
url = "https://rt.corp.example/rt"
[answer]
tone = "formal"
internal_only = ["tag:internal", "docs:Ops/*"]
[policy]
locked = ["helpdesk.url", "helpdesk.kind", "llm.model_path", "answer.internal_only"]
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "etc" / "config.toml", tmp_path / "user" / "config.toml"


def test_each_layer_overrides_the_one_below(files):
    system, user = files
    key = "answer.agent_name"

    def origin(env=None, flags=None):
        eff = effective_settings(user, env or {}, overrides=flags, system_path=system)
        return eff.settings.answer.agent_name, eff.provenance[key]

    value, where = origin()
    assert (value, where.layer, where.source, where.locked) == ("", "default", "built-in", False)

    _write(system, '[answer]\nagent_name = "Sys"\n')
    value, where = origin()
    assert (value, where.layer, where.source) == ("Sys", "system", str(system))

    _write(user, '[answer]\nagent_name = "User"\n')
    value, where = origin()
    assert (value, where.layer, where.source) == ("User", "user", str(user))

    # agent_name has no variable; the helpdesk URL shows env over user over system.
    _write(system, '[helpdesk]\nurl = "https://sys.example"\n[answer]\nagent_name = "Sys"\n')
    _write(user, '[helpdesk]\nurl = "https://user.example"\n[answer]\nagent_name = "User"\n')
    env = {"ASSIST_HELPDESK_URL": "https://env.example"}
    eff = effective_settings(user, env, system_path=system)
    assert eff.settings.helpdesk.url == "https://env.example"
    assert (eff.provenance["helpdesk.url"].layer, eff.provenance["helpdesk.url"].source) == (
        "env",
        "ASSIST_HELPDESK_URL",
    )

    flags = {"helpdesk.url": "https://flag.example", key: "Flag", "answer.tone": None}
    eff = effective_settings(user, env, overrides=flags, system_path=system)
    assert (eff.settings.helpdesk.url, eff.settings.answer.agent_name) == ("https://flag.example", "Flag")
    assert {eff.provenance["helpdesk.url"].layer, eff.provenance[key].layer} == {"flag"}
    assert eff.provenance["answer.tone"].layer == "default"  # None = a flag not given
    assert not eff.warnings


def test_a_locked_key_keeps_the_system_value_against_user_env_and_flags(files, caplog):
    system, user = files
    _write(system, SYSTEM)
    _write(
        user,
        '[helpdesk]\nurl = "https://personal.example"\n[answer]\ntone = "concise"\n'
        'internal_only = ["tag:nothing"]\n',
    )
    env = {"ASSIST_HELPDESK_KIND": "zendesk", "ASSIST_HELPDESK_EMAIL": "sam@corp.example"}
    flags = {"llm.model_path": "/tmp/mine.gguf", "helpdesk.kind": "demo"}
    with caplog.at_level(logging.WARNING, logger="assist.config"):
        settings = load_settings(user, env, overrides=flags, system_path=system)
    hd = settings.helpdesk
    assert (hd.kind, hd.url, hd.email) == ("rt", "https://rt.corp.example/rt", "sam@corp.example")
    assert settings.llm.model_path == ""  # locked without a value: the default, for everyone
    assert settings.answer.internal_only == ("tag:internal", "docs:Ops/*")
    assert settings.answer.tone == "concise"  # not locked: the user's choice wins over the system's

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("helpdesk.url" in w and "user file" in w and str(user) in w for w in warnings), warnings
    assert any("helpdesk.kind" in w and "ASSIST_HELPDESK_KIND" in w for w in warnings), warnings
    assert any("helpdesk.kind" in w and "command line" in w for w in warnings), warnings
    assert any("llm.model_path" in w and "command line" in w for w in warnings), warnings
    assert any("answer.internal_only" in w and "user file" in w for w in warnings), warnings
    assert all(str(system) in w for w in warnings if "IT department" in w)
    assert not any("answer.tone" in w for w in warnings)


def test_provenance_names_layer_source_and_lock(files):
    system, user = files
    _write(system, SYSTEM)
    _write(user, '[answer]\ntone = "concise"\n[helpdesk]\nurl = "https://rt.corp.example/rt"\n')
    eff = effective_settings(user, {"ASSIST_DEBUG": "1"}, system_path=system)
    p = eff.provenance
    assert (p["helpdesk.url"].layer, p["helpdesk.url"].source, p["helpdesk.url"].locked) == (
        "system",
        str(system),
        True,
    )
    assert (p["llm.model_path"].layer, p["llm.model_path"].locked) == ("default", True)
    assert (p["answer.tone"].value, p["answer.tone"].layer, p["answer.tone"].locked) == (
        "concise",
        "user",
        False,
    )
    assert (p["logging.debug"].value, p["logging.debug"].layer, p["logging.debug"].source) == (
        True,
        "env",
        "ASSIST_DEBUG",
    )
    assert p["llm.n_ctx"].layer == "default" and p["llm.n_ctx"].source == "built-in"
    assert eff.locked_keys() == {"helpdesk.url", "helpdesk.kind", "llm.model_path", "answer.internal_only"}
    assert eff.system_path == system and eff.user_path == user
    assert not eff.warnings  # the user file repeats IT's URL: that is no attempt to change it
    sections = {"helpdesk", "llm", "answer", "escalation", "index", "logging"}
    every_field = {k for k in p if k.split(".")[0] in sections}
    assert every_field == set(p) and len(p) >= 30


def test_wildcard_locks_a_whole_section(files):
    system, user = files
    _write(system, '[helpdesk]\nkind = "demo"\n[policy]\nlocked = ["helpdesk.*", "no.such_key"]\n')
    _write(user, "[helpdesk]\nrefresh_seconds = 5\n[llm]\nthreads = 2\n")
    eff = effective_settings(user, {}, system_path=system)
    assert eff.settings.helpdesk.refresh_seconds == 60.0 and eff.settings.llm.threads == 2
    assert eff.is_locked("helpdesk.demo_path") and not eff.is_locked("llm.threads")
    assert any("no.such_key" in w and "matches no setting" in w for w in eff.warnings)
    assert any("helpdesk.refresh_seconds" in w for w in eff.warnings)


def test_a_bad_value_for_a_locked_key_is_ignored_not_fatal(files):
    system, user = files
    _write(system, SYSTEM)
    eff = effective_settings(user, {"ASSIST_HELPDESK_KIND": "jira"}, system_path=system)
    assert eff.settings.helpdesk.kind == "rt"
    assert any("helpdesk.kind" in w and "ASSIST_HELPDESK_KIND" in w for w in eff.warnings)
    # An unlocked key's bad value is still an error that says where it came from.
    _write(user, '[helpdesk]\nrefresh_seconds = "often"\n')
    with pytest.raises(ConfigError, match=r"refresh_seconds \(from .*user.*config.toml\) must be a number"):
        effective_settings(user, {}, system_path=system)


def test_only_the_system_file_can_lock(files):
    system, user = files
    _write(user, '[helpdesk]\nkind = "demo"\n[policy]\nlocked = ["helpdesk.kind"]\n')
    eff = effective_settings(
        user, {"ASSIST_HELPDESK_KIND": "rt", "ASSIST_HELPDESK_URL": "https://rt.x"}, system_path=system
    )
    assert eff.settings.helpdesk.kind == "rt" and not eff.locked_keys()
    assert any("Ignoring [policy]" in w for w in eff.warnings)


def test_policy_errors_and_unknown_flags_say_what_to_fix(files):
    system, user = files
    _write(system, '[policy]\nlocked = "helpdesk.url"\n')  # one string is accepted as a list of one
    assert effective_settings(user, {}, system_path=system).locked_keys() == {"helpdesk.url"}
    _write(system, "[policy]\nlocked = [1, 2]\n")
    with pytest.raises(ConfigError, match="list of keys"):
        effective_settings(user, {}, system_path=system)
    _write(system, '[helpdesk]\ntoken = "abcdef123456"\n')
    with pytest.raises(ConfigError, match="keyring") as info:
        effective_settings(user, {}, system_path=system)
    assert "abcdef123456" not in str(info.value)
    system.unlink()
    with pytest.raises(ConfigError, match=r"Unknown setting 'helpdesk\.colour'"):
        effective_settings(user, {}, overrides={"helpdesk.colour": "red"}, system_path=system)


def test_a_broken_user_file_does_not_lift_the_locks(files):
    system, user = files
    _write(system, SYSTEM)
    _write(user, "[helpdesk\n")
    with pytest.raises(ConfigError, match="TOML"):
        effective_settings(user, {}, system_path=system)
    eff = fallback_settings({}, system_path=system)
    assert (eff.settings.helpdesk.kind, eff.settings.answer.internal_only) == (
        "rt",
        ("tag:internal", "docs:Ops/*"),
    )
    assert eff.user_path is None and eff.is_locked("helpdesk.url")
    # --demo style flags still apply where nothing is locked, and never to a locked key.
    eff = fallback_settings(
        {}, overrides={"helpdesk.kind": "demo", "answer.tone": "concise"}, system_path=system
    )
    assert (eff.settings.helpdesk.kind, eff.settings.answer.tone) == ("rt", "concise")


def test_the_system_file_comes_from_the_environment_only_for_tests(files, monkeypatch):
    system, user = files
    _write(system, '[answer]\nagent_name = "From IT"\n')
    monkeypatch.setenv("ASSIST_SYSTEM_CONFIG", str(system))
    assert system_config_file() == system  # no real /etc/agent-assist/config.toml on this machine
    assert load_settings(user).answer.agent_name == "From IT"
    assert load_settings(user, {"ASSIST_SYSTEM_CONFIG": str(system)}).answer.agent_name == "From IT"
    assert system_config_file({}) == Path("/etc/agent-assist/config.toml")


def test_debug_logging_follows_the_layers_and_survives_a_broken_file(files):
    system, user = files
    assert debug_logging(user, {}) is False
    assert debug_logging(user, {"ASSIST_DEBUG": "1"}) is True
    _write(user, "[logging]\ndebug = true\n")
    assert debug_logging(user, {"ASSIST_SYSTEM_CONFIG": str(system)}) is True
    _write(system, '[logging]\ndebug = false\n[policy]\nlocked = ["logging.debug"]\n')
    assert debug_logging(user, {"ASSIST_DEBUG": "1", "ASSIST_SYSTEM_CONFIG": str(system)}) is False
    _write(user, "[logging\n")
    assert debug_logging(user, {"ASSIST_SYSTEM_CONFIG": str(system)}) is False
