import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PassThrough } from "node:stream";
import { ServerLogLevels, pipeServerLog, type Level } from "../../common/serverLog";

describe("server log levels", () => {
  it("shows each record at the level the server logged it with", () => {
    const levels = new ServerLogLevels();
    const table: [string, Level, string][] = [
      ["2026-01-02 03:04:05,678 INFO qwen_lsp.cli: started", "info", "qwen_lsp.cli: started"],
      ["2026-01-02 03:04:05,679 WARNING qwen_lsp.engine.guard: upstream error (offline)", "warn", "qwen_lsp.engine.guard: upstream error (offline)"],
      ["2026-01-02 03:04:05,680 DEBUG qwen_lsp.io: sent", "debug", "qwen_lsp.io: sent"],
      ["2026-01-02 03:04:05,681 ERROR pygls: boom", "error", "pygls: boom"],
      ["Traceback (most recent call last):", "error", "Traceback (most recent call last):"],
      ["2026-01-02 03:04:05,682 CRITICAL qwen_lsp: down", "error", "qwen_lsp: down"],
    ];
    for (const [line, level, message] of table) {
      assert.deepEqual(levels.line(line), { level, message }, line);
    }
  });

  it("keeps a record's level on its continuation lines, and calls lines before any an error", () => {
    const levels = new ServerLogLevels();
    assert.equal(levels.line("ModuleNotFoundError: No module named 'pygls'").level, "error");
    levels.line("2026-01-02 03:04:05,678 WARNING qwen_lsp.lsp: settings");
    assert.equal(levels.line("  invalid setting debounceMs").level, "warn");
    assert.equal(levels.line("INFO in the middle of a line is no record").level, "warn");
  });

  it("reads a stream line by line into the channel's level methods", async () => {
    const seen: string[] = [];
    const sink = {
      debug: (m: string) => seen.push(`debug ${m}`),
      info: (m: string) => seen.push(`info ${m}`),
      warn: (m: string) => seen.push(`warn ${m}`),
      error: (m: string) => seen.push(`error ${m}`),
    };
    const input = new PassThrough();
    pipeServerLog(input, sink);
    input.end("2026-01-02 03:04:05,678 WARNING a: b\r\n  more\n2026-01-02 03:04:05,679 INFO c: d\n");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ["warn a: b", "warn   more", "info c: d"]);
  });
});
