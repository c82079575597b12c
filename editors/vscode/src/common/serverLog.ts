// The server's stderr in the output channel at the level the server logged each line with:
// vscode-languageclient writes every stderr line as [error], so a WARNING or an INFO line would
// read as a failure. The server's records look like
// `2026-01-02 03:04:05,678 WARNING qwen_lsp.engine.guard: upstream error (...)`.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export type Level = "debug" | "info" | "warn" | "error";

/** The few members of `vscode.LogOutputChannel` the server's lines go to. */
export type LevelSink = Record<Level, (message: string) => void>;

const RECORD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) /;
const LEVELS: Record<string, Level> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/**
 * Reads lines one after another. A line that starts a record is shown without the timestamp and
 * level (the channel adds its own); one that does not (a traceback) keeps the level of the record
 * it continues, and before any record (Python failing to start) it is an error.
 */
export class ServerLogLevels {
  private level: Level = "error";

  line(text: string): { level: Level; message: string } {
    const record = RECORD.exec(text);
    if (record) {
      this.level = LEVELS[record[1]];
      return { level: this.level, message: text.slice(record[0].length) };
    }
    return { level: this.level, message: text };
  }
}

/** `stdioOptions.stderr` for the language client. */
export function pipeServerLog(input: Readable, sink: LevelSink): void {
  const levels = new ServerLogLevels();
  createInterface({ input, crlfDelay: Infinity, terminal: false }).on("line", (text: string) => {
    const { level, message } = levels.line(text);
    sink[level](message);
  });
}
