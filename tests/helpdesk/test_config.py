"""Settings from TOML + env, and credentials from keyring/env, never from the file."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from assist.config import HelpdeskSettings, load_settings
from assist.secrets import delete_token, get_token, set_token
from common.errors import ConfigError


def test_defaults_to_the_demo_helpdesk(tmp_path):
    s = load_settings(tmp_path / "absent.toml", environ={})
    assert s.helpdesk.kind == "demo"


def test_toml_then_env_overrides(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[helpdesk]\nkind = "zendesk"\nurl = "https://acme.zendesk.com"\nemail = "a@acme.com"\n'
        "refresh_seconds = 30\nclipboard_hash_ids = true\n"
    )
    s = load_settings(cfg, environ={})
    assert (s.helpdesk.kind, s.helpdesk.refresh_seconds, s.helpdesk.clipboard_hash_ids) == (
        "zendesk",
        30.0,
        True,
    )
    env = {"ASSIST_HELPDESK_KIND": "rt", "ASSIST_HELPDESK_URL": "https://rt.example.com/rt"}
    s = load_settings(cfg, environ=env)
    assert (s.helpdesk.kind, s.helpdesk.url, s.helpdesk.email) == (
        "rt",
        "https://rt.example.com/rt",
        "a@acme.com",
    )


def test_env_alone_configures_everything(tmp_path):
    env = {"ASSIST_HELPDESK_KIND": "freshdesk", "ASSIST_HELPDESK_URL": "https://acme.freshdesk.com"}
    assert load_settings(tmp_path / "none.toml", environ=env).helpdesk.url == "https://acme.freshdesk.com"


def test_a_token_in_the_config_file_is_refused(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[helpdesk]\nkind = "rt"\nurl = "https://rt.x"\ntoken = "1-2-abcdef123456"\n')
    with pytest.raises(ConfigError, match="keyring") as info:
        load_settings(cfg, environ={})
    assert "abcdef123456" not in str(info.value)


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ('[helpdesk]\nkind = "jira"\n', "kind"),
        ('[helpdesk]\nkind = "zendesk"\n', "URL"),
        ('[helpdesk]\nkind = "zendesk"\nurl = "https://a.zendesk.com"\n', "email"),
        ('[helpdesk]\nkind = "rt"\nurl = "rt.example.com"\n', "https://"),
        ('[helpdesk]\nrefresh_seconds = "often"\n', "number"),
        ("[helpdesk\n", "TOML"),
    ],
)
def test_invalid_settings_say_what_to_fix(tmp_path, toml, match):
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=match):
        load_settings(cfg, environ={})


def test_unknown_keys_are_ignored_for_forward_compatibility(tmp_path, caplog):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[helpdesk]\nkind = "demo"\nfuture_option = 1\n[index]\nchunk = 5\n')
    assert load_settings(cfg, environ={}).helpdesk.kind == "demo"
    assert "future_option" in caplog.text


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


def test_keyring_round_trip_and_env_override():
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        hs = HelpdeskSettings(kind="zendesk", url="https://acme.zendesk.com", email="a@acme.com")
        assert get_token(hs, environ={}) is None
        set_token(hs, "from-keyring-123")
        assert get_token(hs, environ={}).reveal() == "from-keyring-123"
        assert "from-keyring-123" not in repr(get_token(hs, environ={}))
        assert get_token(hs, environ={"ASSIST_HELPDESK_TOKEN": "from-env-456"}).reveal() == "from-env-456"
        other = HelpdeskSettings(kind="zendesk", url="https://sandbox.zendesk.com", email="a@acme.com")
        assert get_token(other, environ={}) is None  # per helpdesk, not one global token
        delete_token(hs)
        assert get_token(hs, environ={}) is None
    finally:
        keyring.set_keyring(previous)


def test_missing_keyring_backend_falls_back_to_env():
    # The suite runs with keyring's null backend, like a headless CI box.
    hs = HelpdeskSettings(kind="rt", url="https://rt.x")
    assert get_token(hs, environ={}) is None
    assert get_token(hs, environ={"ASSIST_HELPDESK_TOKEN": "t-1234"}).reveal() == "t-1234"
