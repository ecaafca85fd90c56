"""The apt output that RT's bring-up reads: each form apt prints for a package it would unpack."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
try:
    import rt_server as rts
finally:
    sys.path.pop(0)

# Lines as Debian 12's apt-get prints them for `-s install --no-install-recommends request-tracker5 …`.
UPGRADABLE = """\
NOTE: This is only a simulation!
Reading package lists...
Inst libperl5.36 [5.36.0-7+deb12u2] (5.36.0-7+deb12u4 Debian-Security:12/oldstable-security [amd64]) []
Inst perl [5.36.0-7+deb12u2] (5.36.0-7+deb12u4 Debian-Security:12/oldstable-security [amd64]) []
Inst perl-base [5.36.0-7+deb12u2] (5.36.0-7+deb12u4 Debian-Security:12/oldstable-security [amd64]) []
Conf perl-base (5.36.0-7+deb12u4 Debian-Security:12/oldstable-security [amd64]) []
Inst libidn12 (1.41-1 Debian:12.15/oldstable [amd64])
Inst exim4-base (4.96-15+deb12u11 Debian-Security:12/oldstable-security [amd64])
Inst request-tracker5 (5.0.3+dfsg-3~deb12u2 Debian:12.15/oldstable [all])
Conf request-tracker5 (5.0.3+dfsg-3~deb12u2 Debian:12.15/oldstable [all])
"""
INSTALLED = """\
Inst libidn12 (1.41-1 Debian:12.15/oldstable [amd64])
Inst request-tracker5 (5.0.3+dfsg-3~deb12u2 Debian:12.15/oldstable [all])
"""
MISSING = """\
Inst perl-modules-5.36 (5.36.0-7+deb12u2 Debian:12.5/stable [all])
Inst perl (5.36.0-7+deb12u2 Debian:12.5/stable [amd64])
Inst request-tracker5 (5.0.3+dfsg-3~deb12u2 Debian:12.15/oldstable [all])
"""


def test_parse_tells_an_upgrade_from_a_new_install():
    actions = {a.name: a for a in rts.parse_apt_simulation(UPGRADABLE)}
    assert set(actions) == {"libperl5.36", "perl", "perl-base", "libidn12", "exim4-base", "request-tracker5"}
    assert actions["perl"].installed == "5.36.0-7+deb12u2"
    assert actions["perl"].candidate == "5.36.0-7+deb12u4"
    assert actions["libidn12"].installed is None
    assert actions["libidn12"].candidate == "1.41-1"


@pytest.mark.parametrize("form", [UPGRADABLE, INSTALLED])
def test_installed_perl_is_accepted_whether_or_not_an_update_is_pending(form):
    pkgs = rts.packages_to_unpack(rts.parse_apt_simulation(form))
    assert "request-tracker5" in pkgs and "libidn12" in pkgs
    # The system perl and its mail/font extras are never unpacked over it.
    assert not {"perl", "perl-base", "libperl5.36", "exim4-base"} & set(pkgs)


def test_missing_perl_is_a_clear_error():
    with pytest.raises(rts.RtSetupError, match="system perl"):
        rts.packages_to_unpack(rts.parse_apt_simulation(MISSING))


def test_lines_that_are_not_inst_are_ignored():
    assert rts.parse_apt_simulation("Conf perl (5.36 Debian [amd64])\nReading...\nInst\n") == []
