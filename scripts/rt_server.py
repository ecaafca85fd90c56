#!/usr/bin/env python3
"""Bring up a throwaway Request Tracker 5 on 127.0.0.1 from Debian's packages, without installing
anything system-wide. Used by the RT integration tests and by hand.

    python scripts/rt_server.py up   [--port N] [--dir DIR]     # prints JSON: pid, port, url, token, dir
    python scripts/rt_server.py down --pid PID

How (after /work/shared/reference/rt_up.sh):

1. `apt-get -s install` lists the packages RT would need on *this* machine (what is already
   installed is skipped), `apt-get download` fetches them and `dpkg -x` unpacks them under the cache
   dir. RT's compiled-in paths (RT::Generated, rt-server, rt-setup-database) are patched to point
   there. This is the slow part (~20 s on a fast mirror) and runs once: the result is cached in
   `~/.cache/agent-assist/rt5` (override with `ASSIST_RT_CACHE`).
2. A pristine SQLite database plus an API token for `root` are made once and cached too
   (`template/`), because `rt-setup-database --action init` costs seconds of Perl.
3. Each bring-up copies that database into its own instance dir, writes a site config pointing at
   it (RT reads `$RT_SITE_CONFIG`), and starts `rt-server` (Starlet) on a free port in its own
   session. It is stopped by pid.

Needs: `apt-get update` done once, and the `apt-get`, `dpkg` and `perl` commands (Debian 12).
Timings on a 2-core box: first bring-up ~18 s (download + unpack + init), later ones ~2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

PACKAGES = ["request-tracker5", "rt5-db-sqlite", "rt5-standalone", "dbconfig-no-thanks"]
# Packages that are either already part of every Debian perl install or only matter for a real
# system install (mail delivery, fonts, docs, debconf prompts); unpacking them would be waste.
_SKIP = ("exim4", "fonts-", "perl-doc", "ucf", "debconf", "perl", "perl-base", "perl-modules-", "libperl5")
_CACHE_VERSION = "1"
# Runs once on the template database: an API token for root, and the rights a stock RT gives
# customers who write in by email (Everyone may create and reply in General), so the tests can
# open tickets as a real, unprivileged requestor through the mail gateway.
_PREPARE_PERL = r"""
use RT; RT::LoadConfig(); RT::Init();
my $q = RT::Queue->new(RT->SystemUser); $q->Load("General");
my $everyone = RT::Group->new(RT->SystemUser); $everyone->LoadSystemInternalGroup("Everyone");
for my $right (qw(CreateTicket ReplyToTicket SeeQueue)) {
    my ($ok, $msg) = $everyone->PrincipalObj->GrantRight(Right => $right, Object => $q);
    die "grant $right: $msg\n" unless $ok;
}
my $u = RT::User->new(RT->SystemUser); $u->Load("root");
my $t = RT::AuthToken->new($u);
my ($ok, $msg, $tok) = $t->Create(Owner => $u->Id, Description => "agent-assist tests");
die "token: $msg\n" unless $ok;
print "$tok\n";
"""


class RtSetupError(RuntimeError):
    """RT could not be unpacked, initialised or started."""


class RtPackagesUnavailableError(RtSetupError):
    """apt cannot provide the RT packages here (no apt, no index, no network)."""


@dataclass(frozen=True)
class RtServer:
    pid: int
    port: int
    url: str
    token: str
    dir: str
    log: str

    def __repr__(self) -> str:  # the token is a (throwaway) secret all the same
        return f"RtServer(pid={self.pid}, url={self.url!r}, dir={self.dir!r})"


def cache_dir() -> Path:
    env = os.environ.get("ASSIST_RT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "agent-assist" / "rt5"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def _perl_env(root: Path) -> dict[str, str]:
    libs = [root / "usr/share/request-tracker5/lib", root / "usr/share/perl5"]
    for arch_dir in sorted((root / "usr/lib").glob("*-linux-gnu*/perl5")):
        libs += [*sorted(p for p in arch_dir.iterdir() if p.is_dir()), arch_dir]
    ld = [str(p) for p in sorted((root / "usr/lib").glob("*-linux-gnu*"))]
    ld += [str(p) for p in sorted((root / "lib").glob("*-linux-gnu*"))]
    env = dict(os.environ)
    env["PERL5LIB"] = ":".join(str(p) for p in libs)
    env["LD_LIBRARY_PATH"] = ":".join([*ld, env.get("LD_LIBRARY_PATH", "")]).rstrip(":")
    env["PATH"] = f"{root}/usr/bin:{root}/usr/sbin:{env.get('PATH', '/usr/bin:/bin')}"
    return env


@dataclass(frozen=True)
class AptAction:
    """One `Inst` line of `apt-get -s install`: a package apt would unpack."""

    name: str
    installed: str | None  # the version already installed (an upgrade), or None (not installed)
    candidate: str


def parse_apt_simulation(stdout: str) -> list[AptAction]:
    """The `Inst` lines of `apt-get -s install` output, in order.

    apt writes `Inst NAME (CANDIDATE RELEASE [ARCH])` for a package that is not installed and
    `Inst NAME [INSTALLED] (CANDIDATE RELEASE [ARCH])` for one that is installed but has a newer
    version on the mirror (a pending security update, say). Whether a package is *installed* must not
    depend on whether the mirror published an update that day, so the two forms are kept apart.
    """
    actions = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] != "Inst":
            continue
        rest = line.split(None, 2)[2] if len(parts) > 2 else ""
        installed = None
        if rest.startswith("["):
            installed, _, rest = rest[1:].partition("]")
            rest = rest.lstrip()
        candidate = rest[1:].split()[0] if rest.startswith("(") and len(rest) > 1 else ""
        actions.append(AptAction(name=parts[1], installed=installed, candidate=candidate))
    return actions


def packages_to_unpack(actions: list[AptAction]) -> list[str]:
    """The packages to download and unpack. Raises when the system perl itself is missing: we run
    it, so its core modules must be installed, not merely unpacked. An installed perl that apt
    would upgrade is fine."""
    if any(a.name == "perl" and a.installed is None for a in actions):
        raise RtSetupError("RT needs the system perl: apt-get install --no-install-recommends perl")
    return [a.name for a in actions if not (a.name in _SKIP or a.name.startswith(_SKIP))]


def _package_list() -> list[str]:
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        raise RtPackagesUnavailableError("apt-get/dpkg not found: RT is brought up from Debian packages")
    sim = _run(["apt-get", "-s", "install", "--no-install-recommends", *PACKAGES])
    if sim.returncode != 0:
        raise RtPackagesUnavailableError(
            f"apt cannot resolve {' '.join(PACKAGES)} (run `apt-get update` first?): "
            f"{sim.stderr.strip()[-400:]}"
        )
    return packages_to_unpack(parse_apt_simulation(sim.stdout))


def _patch_paths(root: Path) -> None:
    """Point RT's compiled-in absolute paths at the unpacked tree."""
    files = [
        "usr/share/request-tracker5/lib/RT/Generated.pm",
        "usr/sbin/rt-setup-database-5",
        "usr/share/request-tracker5/libexec/rt-server",
    ]
    prefixes = [
        "/usr/share/request-tracker5",
        "/usr/local/share/request-tracker5",
        "/etc/request-tracker5",
        "/var/lib/request-tracker5",
        "/var/cache/request-tracker5",
    ]
    for rel in files:
        path = root / rel
        text = path.read_text()
        for prefix in prefixes:
            for quote in ("'", '"'):
                text = text.replace(f"{quote}{prefix}", f"{quote}{root}{prefix}")
        text = text.replace("'/usr/bin'", f"'{root}/usr/bin'").replace("'/usr/sbin'", f"'{root}/usr/sbin'")
        path.write_text(text)
    for rel in (
        "var/lib/request-tracker5/data",
        "var/cache/request-tracker5/mason_data",
        "var/cache/request-tracker5/session_data",
        "usr/local/share/request-tracker5/lib",
    ):
        (root / rel).mkdir(parents=True, exist_ok=True)


def ensure_unpacked(cache: Path | None = None, log=print) -> Path:
    """Download, unpack and patch RT once; return the unpacked root."""
    cache = cache or cache_dir()
    root = cache / "root"
    marker = cache / ".unpacked"
    if marker.exists() and marker.read_text().strip() == _CACHE_VERSION:
        return root
    log(f"rt: unpacking Request Tracker 5 into {root} (first run, ~20 s on a fast mirror)")
    shutil.rmtree(cache, ignore_errors=True)
    debs = cache / "debs"
    debs.mkdir(parents=True)
    pkgs = _package_list()
    if pkgs:
        dl = _run(["apt-get", "download", *pkgs], cwd=debs)
        if dl.returncode != 0:
            raise RtPackagesUnavailableError(f"apt-get download failed: {dl.stderr.strip()[-400:]}")
    root.mkdir()
    for deb in sorted(debs.glob("*.deb")):
        x = _run(["dpkg", "-x", str(deb), str(root)])
        if x.returncode != 0:
            raise RtSetupError(f"dpkg -x {deb.name} failed: {x.stderr.strip()[-300:]}")
    if not (root / "usr/share/request-tracker5/lib/RT/Generated.pm").exists():
        raise RtSetupError("request-tracker5 did not unpack (is it already installed system-wide?)")
    _patch_paths(root)
    shutil.rmtree(debs)  # 60 MB of .debs we no longer need
    marker.write_text(_CACHE_VERSION)
    return root


def _site_env(root: Path, cfg: Path) -> dict[str, str]:
    return _perl_env(root) | {"RT_SITE_CONFIG": str(cfg), "RT_SITE_CONFIG_DIR": str(cfg.parent / "site.d")}


def _site_config(root: Path, instance: Path, port: int) -> Path:
    cfg = instance / "RT_SiteConfig.pm"
    (instance / "mason_data").mkdir(parents=True, exist_ok=True)
    (instance / "session_data").mkdir(parents=True, exist_ok=True)
    # RT also loads every RT_SiteConfig.d/*.pm after our file (Debian ships logging overrides there);
    # an empty dir of our own keeps the instance deterministic.
    (instance / "site.d").mkdir(exist_ok=True)
    cfg.write_text(
        f"""Set($rtname, 'example.test'); Set($Organization, 'example.test');
Set($WebDomain, '127.0.0.1'); Set($WebPort, {port}); Set($WebPath, '');
Set($DatabaseType, 'SQLite'); Set($DatabaseName, '{instance}/rtdb');
Set($MasonDataDir, '{instance}/mason_data'); Set($MasonSessionDir, '{instance}/session_data');
Set($LogToSTDERR, 'warning'); Set($LogToSyslog, undef); Set($LogToFile, undef);
Set($MailCommand, 'testfile'); Set($Timezone, 'UTC');
Set(@ReferrerWhitelist, '127.0.0.1:{port}');
1;
"""
    )
    return cfg


def ensure_template(root: Path, cache: Path | None = None, log=print) -> tuple[Path, str]:
    """A freshly initialised database and a root API token, made once and copied per instance."""
    cache = cache or cache_dir()
    tpl = cache / "template"
    if (tpl / "rtdb").exists() and (tpl / "token").exists():
        return tpl / "rtdb", (tpl / "token").read_text().strip()
    log("rt: initialising the template database (~5 s)")
    shutil.rmtree(tpl, ignore_errors=True)
    tpl.mkdir(parents=True)
    env = _site_env(root, _site_config(root, tpl, 80))
    init = _run(
        ["perl", str(root / "usr/sbin/rt-setup-database-5"), "--action", "init", "--skip-create"],
        env=env,
    )
    if init.returncode != 0 or not (tpl / "rtdb").exists():
        raise RtSetupError(f"rt-setup-database failed: {(init.stdout + init.stderr).strip()[-800:]}")
    tok = _run(["perl", "-e", _PREPARE_PERL], env=env)
    token = tok.stdout.strip()
    if tok.returncode != 0 or not token:
        raise RtSetupError(f"creating the API token failed: {tok.stderr.strip()[-400:]}")
    (tpl / "token").write_text(token + "\n")
    return tpl / "rtdb", token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, deadline: float, log_path: Path) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RtSetupError(f"rt-server exited ({proc.returncode}): {log_path.read_text()[-800:]}")
        try:
            with urllib.request.urlopen(url + "/REST/2.0/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # 401 without a token: the app is up and answering
        except OSError:
            time.sleep(0.3)
    raise RtSetupError(f"rt-server did not answer within the timeout: {log_path.read_text()[-800:]}")


def up(instance_dir: Path | None = None, port: int = 0, timeout: float = 90.0, log=print) -> RtServer:
    root = ensure_unpacked(log=log)
    db, token = ensure_template(root, log=log)
    port = port or free_port()
    instance = instance_dir or Path(tempfile.mkdtemp(prefix=f"assist-rt-{port}-"))
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, instance / "rtdb")
    cfg = _site_config(root, instance, port)
    log_path = instance / "server.log"
    env = _site_env(root, cfg)
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [
                "perl",
                str(root / "usr/share/request-tracker5/libexec/rt-server"),
                "--server",
                "Starlet",
                "--listen",
                f"127.0.0.1:{port}",
                "--max-workers",
                "2",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group, so `down` can reap the workers too
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, time.monotonic() + timeout, log_path)
    except BaseException:
        down(proc.pid)
        raise
    (instance / "server.pid").write_text(f"{proc.pid}\n")
    return RtServer(pid=proc.pid, port=port, url=url, token=token, dir=str(instance), log=str(log_path))


def down(pid: int, timeout: float = 10.0) -> None:
    """Stop the server started by `up` (and its Starlet workers) by its pid."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_up = sub.add_parser("up", help="start RT; prints JSON with pid, port, url, token, dir")
    p_up.add_argument("--port", type=int, default=0)
    p_up.add_argument("--dir", type=Path, default=None, help="instance dir (database, log)")
    p_down = sub.add_parser("down", help="stop RT by pid")
    p_down.add_argument("--pid", type=int, required=True)
    args = parser.parse_args(argv)
    if args.cmd == "up":
        started = time.monotonic()
        try:
            server = up(args.dir, args.port, log=lambda m: print(m, file=sys.stderr))
        except RtSetupError as exc:
            print(f"rt: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(asdict(server) | {"seconds": round(time.monotonic() - started, 1)}))
        return 0
    down(args.pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
