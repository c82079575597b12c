"""The Emacs configs in a real ``emacs --batch``: each loads, connects to the real server, and a
completion against the fake upstream inserts the right text.

lsp-mode and Eglot come from the system (Debian 12: ``elpa-lsp-mode`` 8.0.0, ``elpa-eglot`` 1.9).
lsp-mode's ghost text needs lsp-mode 10.0.0 or newer; point ``QWEN_TEST_LSP_MODE_DIR`` at a
checkout of it to run that case too.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import server_env
from tests.editor_session import AFTER, CONTINUATION, editor_env, source_file
from tests.fake_upstream import FakeUpstream

EMACS = shutil.which("emacs")
if EMACS is None:
    pytest.skip(
        "no emacs (apt-get install emacs-nox elpa-lsp-mode elpa-eglot)", allow_module_level=True
    )

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "editors" / "emacs"
DRIVER = Path(__file__).resolve().parent / "emacs" / "complete.el"
LSP_MODE_DIR = os.environ.get("QWEN_TEST_LSP_MODE_DIR", "")


def emacs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert EMACS is not None
    return subprocess.run(
        [EMACS, "--batch", *args], capture_output=True, text=True, timeout=120, env=env
    )


@functools.cache
def has_library(name: str) -> bool:
    """Whether Emacs finds ``name`` among its packages (and the optional lsp-mode checkout)."""
    probe = f"""(progn (package-activate-all)
                      (when (> (length "{LSP_MODE_DIR}") 0) (push "{LSP_MODE_DIR}" load-path))
                      (princ (if (locate-library "{name}") "yes" "no")))"""
    with tempfile.TemporaryDirectory() as home:  # as in the runs: no packages of the user's
        return emacs("--eval", probe, env=server_env(HOME=home)).stdout.endswith("yes")


def run(client: str, config: str, upstream: FakeUpstream, tmp_path: Path) -> tuple[str, str]:
    """The buffer after one completion accepted in ``client``, and Emacs's messages."""
    checkout = {"QWEN_TEST_LSP_MODE_DIR": LSP_MODE_DIR} if LSP_MODE_DIR else {}
    env = editor_env(tmp_path, upstream, **checkout)
    out = tmp_path / "out.py"
    args = (client, str(CONFIGS / config), str(source_file(tmp_path)), "2", "7", str(out))
    done = emacs("-l", str(DRIVER), *args, env=env)
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8"), done.stderr


def test_eglot_completes_through_completion_at_point(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    if not has_library("eglot"):
        pytest.skip("no Eglot (apt-get install elpa-eglot, or Emacs 29+)")
    text, _ = run("eglot", "qwen-lsp-eglot.el", upstream, tmp_path)
    assert text == AFTER


def test_lsp_mode_completes_through_completion_at_point(
    upstream: FakeUpstream, tmp_path: Path
) -> None:
    """Without lsp-inline-completion (lsp-mode 8 and 9) the config loads, says what it needs for
    ghost text, and the continuation is a completion candidate that inserts correctly."""
    if not has_library("lsp-mode"):
        pytest.skip("no lsp-mode (apt-get install elpa-lsp-mode)")
    if has_library("lsp-inline-completion"):
        pytest.skip("this lsp-mode has inline completion: the ghost-text test covers it")
    text, messages = run("lsp-mode", "qwen-lsp-lsp-mode.el", upstream, tmp_path)
    assert text == AFTER
    assert "ghost text needs lsp-mode 10.0.0 or newer" in messages


def test_lsp_mode_shows_ghost_text_and_accepts_it(upstream: FakeUpstream, tmp_path: Path) -> None:
    """lsp-mode 10 announces inlineCompletion (as null): ghost text, and no candidate as well."""
    if not has_library("lsp-inline-completion"):
        pytest.skip("needs lsp-mode 10.0.0 or newer: set QWEN_TEST_LSP_MODE_DIR to a checkout")
    text, messages = run("lsp-mode-inline", "qwen-lsp-lsp-mode.el", upstream, tmp_path)
    assert f'ghost text: "{CONTINUATION}"' in messages
    assert text == AFTER
