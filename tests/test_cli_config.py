"""`assist config show`: each key's value and origin, locked keys marked, the token never printed;
flags are the top layer and lose to locks."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from assist.cli import main
from assist.config import HelpdeskSettings
from assist.secrets import set_token

ENV_TOKEN = "env-tok-5d41402abc4b2a76"
RING_TOKEN = "ring-tok-7d793037a0760186"
SYSTEM = """\
[helpdesk]
kind = "rt"
url = "https://rt.corp.example/rt"
[policy]
locked = ["helpdesk.url", "helpdesk.kind", "llm.model_path"]
"""


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


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    system = tmp_path / "etc" / "config.toml"
    system.parent.mkdir()
    system.write_text(SYSTEM)
    user = tmp_path / "user.toml"
    user.write_text('[helpdesk]\nurl = "https://elsewhere.example"\n[answer]\ntone = "concise"\n')
    monkeypatch.setenv("ASSIST_SYSTEM_CONFIG", str(system))
    monkeypatch.setenv("ASSIST_HELPDESK_EMAIL", "sam@corp.example")
    return system, user


def _show(capsys, user: Path, *extra: str) -> tuple[str, str]:
    assert main(["--config", str(user), "config", "show", *extra]) == 0
    return capsys.readouterr()


def test_json_names_layer_source_and_lock_and_never_the_env_token(policy, capsys, monkeypatch):
    system, user = policy
    monkeypatch.setenv("ASSIST_HELPDESK_TOKEN", ENV_TOKEN)
    out, err = _show(capsys, user, "--json")
    assert ENV_TOKEN not in out and ENV_TOKEN not in err
    data = json.loads(out)
    s = data["settings"]
    assert s["helpdesk.url"] == {
        "value": "https://rt.corp.example/rt",
        "layer": "system",
        "source": str(system),
        "locked": True,
    }
    assert (s["helpdesk.kind"]["value"], s["helpdesk.kind"]["locked"]) == ("rt", True)
    assert (s["llm.model_path"]["layer"], s["llm.model_path"]["locked"]) == ("default", True)
    assert (s["answer.tone"]["value"], s["answer.tone"]["layer"], s["answer.tone"]["source"]) == (
        "concise",
        "user",
        str(user),
    )
    assert (s["helpdesk.email"]["layer"], s["helpdesk.email"]["source"]) == ("env", "ASSIST_HELPDESK_EMAIL")
    assert s["answer.internal_only"]["value"][0] == "*:Internal/*"  # tuples come out as lists
    assert data["secrets"] == {
        "helpdesk.token": "set (env ASSIST_HELPDESK_TOKEN)",
        "index.token": "not needed (no index server)",
    }
    assert data["locked"] == ["helpdesk.url", "helpdesk.kind", "llm.model_path"]
    assert data["system_file"] == {"path": str(system), "exists": True}
    assert data["user_file"] == {"path": str(user), "exists": True}
    assert any("helpdesk.url" in w and str(user) in w for w in data["warnings"])
    assert not any(k.endswith("token") for k in s)


def test_keyring_token_is_only_reported_as_set(policy, capsys, ring, monkeypatch):
    _system, user = policy
    monkeypatch.delenv("ASSIST_HELPDESK_TOKEN", raising=False)
    out, _ = _show(capsys, user, "--json")
    assert json.loads(out)["secrets"]["helpdesk.token"] == "not set"
    hd = HelpdeskSettings(kind="rt", url="https://rt.corp.example/rt", email="sam@corp.example")
    set_token(hd, RING_TOKEN)
    # A token pasted into another setting is masked as well.
    user.write_text(f'[answer]\nagent_name = "Sam {RING_TOKEN}"\n')
    for extra in (("--json",), ()):
        out, err = _show(capsys, user, *extra)
        assert RING_TOKEN not in out and RING_TOKEN not in err
        assert "set (keyring)" in out and "Sam ********" in out


def test_text_marks_locked_keys_and_lists_the_files(policy, capsys):
    system, user = policy
    out, err = _show(capsys, user)
    url_line = next(line for line in out.splitlines() if line.startswith("helpdesk.url "))
    assert "rt.corp.example" in url_line and "system" in url_line and str(system) in url_line
    assert "LOCKED (set by your IT department)" in url_line
    tone_line = next(line for line in out.splitlines() if line.startswith("answer.tone "))
    assert "user" in tone_line and "LOCKED" not in tone_line
    assert f"System file  {system}" in out and f"User file    {user}" in out
    assert "helpdesk.url is set by your IT department" in err


def test_a_flag_loses_to_a_locked_key_with_a_warning(tmp_path, capsys, monkeypatch):
    system = tmp_path / "system.toml"
    system.write_text('[helpdesk]\nkind = "demo"\n[policy]\nlocked = ["helpdesk.kind"]\n')
    monkeypatch.setenv("ASSIST_SYSTEM_CONFIG", str(system))
    code = main(
        ["--config", str(tmp_path / "none.toml"), "ticket", "show", "1001", "--provider", "rt", "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["id"] == "1001"  # still the demo helpdesk
    assert "helpdesk.kind is set by your IT department" in err and "command line" in err
    # Unlocked, the same flag wins over the files (and rt then wants its URL).
    system.write_text('[helpdesk]\nkind = "demo"\n')
    assert main(["--config", str(tmp_path / "none.toml"), "ticket", "show", "1001", "--provider", "rt"]) == 1
    assert "Set the rt URL" in capsys.readouterr().err


def test_the_index_token_shows_where_it_comes_from_never_itself(tmp_path, capsys, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[index]\nserver = "https://kb.corp.example"\n')
    monkeypatch.setenv("ASSIST_INDEX_TOKEN", "idx-secret-7781")
    assert main(["--config", str(config), "config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["secrets"]["index.token"] == "set (env ASSIST_INDEX_TOKEN)"
    assert report["settings"]["index.server"]["value"] == "https://kb.corp.example"
    assert "idx-secret-7781" not in out
