"""The Kate sample in a real Kate under Xvfb: the LSP client starts qwen-lsp from the sample's
``settings.json``, Ctrl+Space shows the continuation in the completion popup, Return inserts it.

Keys go in through xdotool; a screenshot of the popup is kept next to the test's files when
ImageMagick's ``import`` is installed. Debian: ``apt-get install kate xvfb xdotool``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.editor_session import AFTER, BEFORE, editor_env, server_on_path, source_file
from tests.fake_upstream import FakeUpstream

TOOLS = {name: shutil.which(name) for name in ("kate", "Xvfb", "xdotool")}
if missing := [name for name, path in TOOLS.items() if path is None]:
    pytest.skip(
        f"no {', '.join(missing)} (apt-get install kate xvfb xdotool)", allow_module_level=True
    )

SAMPLE = Path(__file__).resolve().parents[1] / "editors" / "kate" / "settings.json"


@contextlib.contextmanager
def started(args: list[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    """A process group that is gone, children included, when the block ends."""
    process = subprocess.Popen(args, start_new_session=True, text=True, **options)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh X display; Xvfb picks a free number and writes it to stdout."""
    args = ["Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"]
    with started(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as xvfb:
        assert xvfb.stdout is not None
        yield ":" + xvfb.stdout.readline().strip()


def until(probe: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def home_with_sample(home: Path, server: Path) -> None:
    """Kate's user files as the README sets them up: LSP plugin on, the sample as user settings,
    and the server's command line already allowed (Kate asks once otherwise)."""
    lsp = home / ".config" / "kate" / "lspclient"
    lsp.mkdir(parents=True)
    shutil.copy(SAMPLE, lsp / "settings.json")
    (home / ".config" / "katerc").write_text(
        "[General]\nShow welcome view for new window=false\n\n"
        "[Kate Plugins]\nlspclientplugin=true\n\n"
        f"[lspclient]\nAllowedServerCommandLines={server}\n",
        encoding="utf-8",
    )


def test_kate_inserts_the_completion_item(
    upstream: FakeUpstream, display: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = editor_env(
        tmp_path,
        upstream,
        DISPLAY=display,
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_RUNTIME_DIR=str(runtime),
    )
    home_with_sample(home, server_on_path(tmp_path))
    source = source_file(tmp_path)
    bus = ["dbus-run-session", "--"] if shutil.which("dbus-run-session") else []
    kate = [*bus, "kate", "-n", str(source)]

    def xdotool(*args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True)
        return done.stdout.strip()

    with started(kate, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        until(lambda: xdotool("search", "--name", "add.py"), 60, "Kate's window")
        xdotool("windowfocus", "--sync", xdotool("search", "--name", "add.py").split()[0])
        xdotool("key", "ctrl+Home", "Down", "End")  # after `ret`
        # Ctrl+Space until the server, once Kate has started it, asks the upstream.
        for _ in range(30):
            xdotool("key", "ctrl+space")
            if upstream.wait_until(lambda: len(upstream.requests) > 0, timeout=2):
                break
            xdotool("key", "Escape")
        else:
            pytest.fail("Kate never asked qwen-lsp for a completion")
        time.sleep(2)  # the answer reaches the popup
        shot = tmp_path / "popup.png"
        if shutil.which("import"):
            subprocess.run(["import", "-window", "root", str(shot)], env=env, check=False)
        xdotool("key", "Return")
        xdotool("key", "ctrl+s")
        until(lambda: source.read_text(encoding="utf-8") != BEFORE, 10, "Kate to save")
        assert source.read_text(encoding="utf-8") == AFTER, f"see {shot}"
