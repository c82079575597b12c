import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StatusBar, isServerStatus, present, type Status, type StatusItem } from "../../common/status";

describe("status presentation", () => {
  const table: [Status, RegExp, RegExp, "error" | "warning" | undefined][] = [
    [{ state: "ready" }, /sparkle/, /ready/, undefined],
    [{ state: "busy" }, /loading~spin/, /thinking/, undefined],
    [{ state: "rate_limited", message: "retry in 4 s" }, /watch/, /rate-limited[\s\S]*retry in 4 s/, "warning"],
    [{ state: "error", kind: "auth", message: "401 invalid key" }, /error/, /API key rejected[\s\S]*401[\s\S]*Set API Key/, "error"],
    [{ state: "error", kind: "offline" }, /error/, /offline[\s\S]*cannot be reached/, "error"],
    [{ state: "error", kind: "context_too_long" }, /error/, /error \(context too long\)/, "error"],
    [{ state: "error", kind: "untrusted_endpoint" }, /error/, /untrusted endpoint[\s\S]*qwenLsp\.trustedBaseUrls/, "error"],
    [{ state: "error" }, /error/, /qwen-lsp: error\./, "error"],
    [
      { state: "retrying", kind: "offline", message: "connection refused" },
      /refresh/,
      /retrying[\s\S]*Last failure: offline[\s\S]*connection refused[\s\S]*cannot be reached/,
      "warning",
    ],
    [{ state: "retrying", kind: "budget" }, /refresh/, /retrying[\s\S]*spending limit reached/, "warning"],
    [{ state: "disabled" }, /circle-slash/, /disabled[\s\S]*Set API Key/, undefined],
    [{ state: "disabledForLanguage", language: "markdown" }, /circle-slash/, /disabled for markdown/, undefined],
    [{ state: "starting" }, /sync~spin/, /starting/, undefined],
    [{ state: "stopped", message: "not found" }, /error/, /not running\. not found/, "error"],
  ];
  for (const [status, text, tooltip, background] of table) {
    it(`shows ${JSON.stringify(status)}`, () => {
      const look = present(status);
      assert.match(look.text, text);
      assert.match(look.text, /Qwen/);
      assert.match(look.tooltip, tooltip);
      assert.equal(look.background, background);
    });
  }

  it("accepts only notifications it can show", () => {
    assert.ok(isServerStatus({ state: "busy" }));
    assert.ok(isServerStatus({ state: "retrying", kind: "offline" }));
    assert.ok(isServerStatus({ state: "error", kind: "auth", extra: 1 }));
    for (const bad of [null, undefined, "ready", 3, {}, { state: "sleeping" }, { state: 1 }, []]) {
      assert.equal(isServerStatus(bad), false, JSON.stringify(bad));
    }
  });
});

describe("status bar item", () => {
  function item(): StatusItem & { shown: number } {
    return {
      text: "",
      tooltip: "",
      backgroundColor: undefined,
      command: undefined,
      shown: 0,
      show() {
        this.shown += 1;
      },
    };
  }

  it("is shown at once, clickable, and follows the server's state", () => {
    const shownItem = item();
    const bar = new StatusBar(shownItem, (kind) => `color:${kind}`, "qwenLsp.toggle");
    assert.equal(shownItem.shown, 1);
    assert.equal(shownItem.command, "qwenLsp.toggle");
    assert.match(shownItem.text, /sync~spin/);
    bar.update({ state: "error", kind: "auth" });
    assert.equal(shownItem.backgroundColor, "color:error");
    bar.update({ state: "ready" });
    assert.match(shownItem.text, /sparkle/);
    assert.equal(shownItem.backgroundColor, undefined);
  });

  it("shows a language switched off over the server's state, and the state again after", () => {
    const shownItem = item();
    const bar = new StatusBar(shownItem, (kind) => kind, "qwenLsp.toggle");
    bar.update({ state: "busy" }, "plaintext");
    assert.match(String(shownItem.tooltip), /disabled for plaintext/);
    bar.render(undefined);
    assert.match(String(shownItem.tooltip), /thinking/);
  });
});
