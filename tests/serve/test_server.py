"""`cq server`: start, status and stop; every command forwarded prints what the in-process
run prints (run ids and timings aside); an edit is seen, and answers through the server are
never stale (a property test); a dead or killed server's socket is removed; two roots get a
server each; a server of another build is never talked to; an idle server exits."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cq.cli import forward
from cq.wire import Answer, Welcome, receive, send, socket_path

SOURCE = ("import os\n\n\ndef helper(x):\n    try:\n        return int(x)\n"
          "    except ValueError:\n        raise\n\n\n"
          "def main():\n    print(os.getcwd())\n    return helper(1)\n")
COMMANDS = {
    "q": ["q", "entity=function"],
    "calls": ["calls", "helper"],
    "impact": ["impact", "helper", "--param", "x"],
    "sig-impact": ["sig-impact", "helper", "--to", "helper(x, y=0)"],
    "imports": ["imports"],
    "exceptions": ["exceptions"],
    "side-effects": ["side-effects"],
    "scopes": ["scopes", "helper"],
    "bytecode-surface": ["bytecode-surface", "helper"],
    "hazards": ["hazards"],
    "report": ["report", "refactor-impact", "--target", "function:helper"],
    "cache": ["cache", "--stats"],
    "index": ["index", "--stats"],
    "schema": ["schema"],
    "json": ["q", "entity=function", "--format", "json"],
    "bad": ["q", "entity=bogus"],
}
_VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"), "RUN"),
    (re.compile(r"\d[\d,.]* ms\b"), "T ms"),
    (re.compile(r"age [\d.]+ s"), "age T s"),
    (re.compile(r'"(started_ms|elapsed_ms|age_s)": ?[\d.]+'), r'"\1": T'),
    (re.compile(r'"stages_ms": ?\{[^}]*\}'), '"stages_ms": {}'),
]


def normalised(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


class Site:
    def __init__(self, where: Path) -> None:
        self.home = where
        self.root = where / "repo"
        self.root.mkdir()
        (self.root / "app.py").write_text(SOURCE)
        self.created = time.time()
        self.env = {**os.environ, "HOME": str(where), "CQ_SERVER": "on"}
        for name in ("CQ_CACHE_DIR", "XDG_CACHE_HOME", "CQ_NO_CACHE", "CQ_VERBOSE"):
            self.env.pop(name, None)

    def cq(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cq", *args], cwd=self.root,
                              env={**self.env, **env}, capture_output=True, text=True,
                              timeout=120)

    @property
    def socket(self) -> str:
        return socket_path(str(self.home / ".cache" / "cq"), str(self.root.resolve()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    found = Site(tmp_path_factory.mktemp("server"))
    # Settled stamps: an in-process run counts a file changed in the last 2 s (its ctime) as
    # "stamp changed", not as an index hit (cq.cache.index, racy stamps).
    time.sleep(max(0.0, found.created + 2.1 - time.time()))
    started = found.cq("server", "start")
    assert started.returncode == 0, started.stderr
    yield found
    found.cq("server", "stop")


def test_status_names_root_pid_and_counts(site: Site) -> None:
    done = site.cq("server", "status")
    assert done.returncode == 0
    for label in ("root:", "pid:", "uptime:", "memory:", "files watched:", "requests served:"):
        assert label in done.stdout
    assert str(site.root.resolve()) in done.stdout
    assert oct(os.stat(site.socket).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_forwarded_output_is_the_in_process_output(site: Site, name: str) -> None:
    args = [*COMMANDS[name], "--no-save-artifact"] if name != "schema" else COMMANDS[name]
    site.cq(*args, CQ_SERVER="off")  # both runs below find the same cache
    served = site.cq(*args)
    alone = site.cq(*args, CQ_SERVER="off")
    assert served.returncode == alone.returncode
    assert normalised(served.stdout) == normalised(alone.stdout)
    assert normalised(served.stderr) == normalised(alone.stderr)


def test_requests_are_served_by_the_server(site: Site) -> None:
    before = _requests(site)
    site.cq("q", "entity=function", "--no-save-artifact")
    site.cq("q", "entity=function", "--no-save-artifact", "--no-server")
    assert _requests(site) == before + 1


def _requests(site: Site) -> int:
    line = next(x for x in site.cq("server", "status").stdout.splitlines()
                if x.startswith("requests served:"))
    return int(line.split(":")[1].replace(",", ""))


def test_an_edit_is_seen_by_the_next_command(site: Site) -> None:
    site.cq("q", "entity=function", "--no-save-artifact")
    (site.root / "added.py").write_text("def brand_new():\n    pass\n")
    done = site.cq("q", "entity=function name=brand_new", "--no-save-artifact")
    assert "added.py" in done.stdout
    (site.root / "added.py").unlink()
    done = site.cq("q", "entity=function name=brand_new", "--no-save-artifact")
    assert "added.py" not in done.stdout


def test_the_client_imports_no_engine(site: Site) -> None:
    code = ("import sys\nfrom cq.cli.app import run\n"
            "assert run(['q', 'entity=function', '--no-save-artifact']) == 0\n"
            "heavy = [m for m in sys.modules if m.startswith(('cq.runner', 'cq.api', "
            "'cq.engine', 'cq.index', 'cq.cache', 'cq.serve', 'mcp', 'watchfiles', "
            "'msgspec', 'cq.settings', 'pathlib', 'socket', 'typing'))]\n"
            "assert not heavy, heavy\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=site.root, env=site.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "entity=function" in done.stdout


def test_a_dead_servers_socket_is_removed(tmp_path: Path) -> None:
    site = Site(tmp_path)
    os.makedirs(os.path.dirname(site.socket), mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(site.socket)
    dead.close()  # the file stays; nobody listens
    done = site.cq("q", "entity=function", "--no-save-artifact")
    assert done.returncode == 0 and "app.py" in done.stdout
    assert not os.path.exists(site.socket)


def test_a_server_of_another_build_is_never_asked(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "s.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    asked: list[object] = []

    def other_build() -> None:
        conn, _ = listener.accept()
        with conn:
            receive(conn)
            send(conn, Welcome(version="0.0.0+another-build"))
            conn.settimeout(2)
            try:
                asked.append(receive(conn))
                send(conn, Answer(stdout="WRONG"))
            except (OSError, EOFError):
                pass

    thread = threading.Thread(target=other_build)
    thread.start()
    assert forward.exchange(path, forward.ask_run(["q", "x"])) is None
    thread.join()
    listener.close()
    assert asked == []


def test_an_idle_server_exits(tmp_path: Path) -> None:
    site = Site(tmp_path)
    assert site.cq("server", "start", CQ_SERVER_IDLE="1").returncode == 0
    assert os.path.exists(site.socket)
    deadline = time.monotonic() + 10
    while os.path.exists(site.socket) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(site.socket)
    assert "not running" in site.cq("server", "status").stdout


def test_stop_ends_the_server(tmp_path: Path) -> None:
    site = Site(tmp_path)
    site.cq("server", "start")
    assert site.cq("server", "stop").returncode == 0
    assert not os.path.exists(site.socket)
    assert "not running" in site.cq("server", "status").stdout


def test_identical_concurrent_cold_requests_compute_once(site: Site) -> None:
    args = [sys.executable, "-m", "cq", "q", "entity=function name=main in=.",
            "--no-save-artifact"]
    runs = [subprocess.Popen(args, cwd=site.root, env=site.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    statuses = sorted(line.split("·")[0].split()[1] for out in outputs
                      for line in out.splitlines() if line.startswith("Cache:"))
    assert statuses == ["hit", "miss"]


def test_a_server_whose_build_was_replaced_exits(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from cq.serve import server as served

    running = served.Server(str(tmp_path), str(tmp_path / "cache"), 60, 1 << 20)
    running.bind()
    thread = threading.Thread(target=running.serve)
    thread.start()
    monkeypatch.setattr(served, "wire_version", lambda: "the newly installed build")
    ask = {"type": "Ask", "kind": "status"}
    monkeypatch.setattr("cq.handshake.wire_version", lambda: "the newly installed build")
    assert forward.exchange(running.path, ask) is None
    thread.join(timeout=10)
    assert not thread.is_alive() and not os.path.exists(running.path)


def _pid(site: Site, cwd: Path | None = None) -> int:
    done = subprocess.run([sys.executable, "-m", "cq", "server", "status"], cwd=cwd or site.root,
                          env=site.env, capture_output=True, text=True, timeout=60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("pid:"))
    return int(line.split(":")[1])


def test_a_killed_server_costs_nothing_but_its_socket(tmp_path: Path) -> None:
    site = Site(tmp_path)
    assert site.cq("server", "start").returncode == 0
    pid = _pid(site)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    done = site.cq("q", "entity=function name=helper", "--no-save-artifact")
    assert done.returncode == 0 and "app.py" in done.stdout, done.stderr
    assert not os.path.exists(site.socket)
    assert "not running" in site.cq("server", "status").stdout


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purposes
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_two_roots_sharing_a_cache_get_a_server_each(tmp_path: Path) -> None:
    site = Site(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "lib.py").write_text("def elsewhere():\n    pass\n")

    def cq(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cq", *args], cwd=cwd, env=site.env,
                              capture_output=True, text=True, timeout=120)

    try:
        assert cq(site.root, "server", "start").returncode == 0
        assert cq(other, "server", "start").returncode == 0
        assert _pid(site) != _pid(site, other)
        assert str(other.resolve()) in cq(other, "server", "status").stdout
        mine = cq(site.root, "q", "entity=function", "--no-save-artifact").stdout
        theirs = cq(other, "q", "entity=function", "--no-save-artifact").stdout
        assert "app.py" in mine and "lib.py" not in mine
        assert "lib.py" in theirs and "app.py" not in theirs
    finally:
        cq(site.root, "server", "stop")
        cq(other, "server", "stop")


_NAMES = ("a.py", "b.py", "sub/c.py")
_BODIES = ("def one():\n    pass\n", "def two():\n    one()\n", "x = 1\n", "def one(): ...\n")


@settings(max_examples=int(os.environ.get("CQTEST_SERVER_EXAMPLES", "6")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from((*_BODIES, None))),
                      min_size=1, max_size=4))
def test_answers_through_the_server_are_never_stale(site: Site,
                                                    steps: list[tuple[str, str | None]]) -> None:
    """Random writes and deletes, each followed by the same question through the server and
    in-process: the findings agree every time (the cache lines may differ in counts only)."""
    fuzz = site.root / "fuzz"
    fuzz.mkdir(exist_ok=True)
    try:
        for name, body in steps:
            path = fuzz / name
            if body is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body)
            args = ("q", "entity=function in=fuzz", "--no-save-artifact", "--format", "json")
            served, alone = site.cq(*args), site.cq(*args, CQ_SERVER="off")
            assert served.returncode == alone.returncode == 0, served.stderr + alone.stderr
            assert _findings(served.stdout) == _findings(alone.stdout)
    finally:
        shutil.rmtree(fuzz, ignore_errors=True)


def _findings(text: str) -> list[tuple[str, int, str]]:
    result = json.loads(text)
    return [(f["anchor"]["file"], f["anchor"]["line"], f["message"])
            for f in result["key_findings"]]


def test_a_server_that_never_greets_is_not_waited_on(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "s.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)  # accepted by the kernel, never answered: a server busy elsewhere
    monkeypatch.setattr(forward, "HANDSHAKE_S", 0.2)
    started = time.monotonic()
    try:
        assert forward.exchange(path, forward.ask_run(["q", "x"])) is None
    finally:
        listener.close()
    assert time.monotonic() - started < 5
