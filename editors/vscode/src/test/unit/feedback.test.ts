import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { API_KEY_HELP, paletteTitle } from "../../common/apiKey";
import { DID_PARTIALLY_ACCEPT, DID_SHOW, Feedback, continues, type Suggestion } from "../../common/feedback";

function suggestion(completed: string, uri = "file:///a.py"): Suggestion {
  return { uri, completed, item: { insertText: completed.trimStart() } };
}

function recorder(): { sent: [string, unknown][]; feedback: Feedback } {
  const sent: [string, unknown][] = [];
  return { sent, feedback: new Feedback((method, params) => sent.push([method, params])) };
}

describe("acceptance feedback", () => {
  it("reports a suggestion once, however far the user types into it", () => {
    const { sent, feedback } = recorder();
    feedback.shown(suggestion("    return a + b"));
    feedback.shown(suggestion("    return a + b")); // asked again after a keystroke
    feedback.shown(suggestion("b")); // the rest, on the same line
    feedback.shown(suggestion("    return a - b")); // the user typed something else
    assert.deepEqual(
      sent.map(([method]) => method),
      [DID_SHOW, DID_SHOW],
    );
    assert.deepEqual(sent[0][1], { item: { insertText: "return a + b" } });
  });

  it("counts the same text again after a full accept, or in another file", () => {
    const { sent, feedback } = recorder();
    feedback.shown(suggestion("    return a + b"));
    feedback.shown(suggestion("    return a + b", "file:///b.py"));
    feedback.accepted();
    feedback.shown(suggestion("    return a + b", "file:///b.py"));
    feedback.shown(undefined);
    assert.equal(sent.length, 3);
  });

  it("reports a word or line taken from our suggestion with its UTF-16 length", () => {
    const { sent, feedback } = recorder();
    feedback.shown(suggestion("    café = '😀'"));
    feedback.partiallyAccepted("file:///a.py", "café ");
    feedback.accepted(); // a quick Tab: its accept can come before the word's edit
    feedback.partiallyAccepted("file:///a.py", "'😀'");
    assert.deepEqual(sent.slice(1).map(([method, params]) => [method, (params as { acceptedLength: number }).acceptedLength]), [
      [DID_PARTIALLY_ACCEPT, 5],
      [DID_PARTIALLY_ACCEPT, 4],
    ]);
  });

  it("ignores what is not ours: nothing inserted, another file, another provider's text", () => {
    const { sent, feedback } = recorder();
    feedback.partiallyAccepted("file:///a.py", "x"); // nothing shown yet
    feedback.shown(suggestion("    return a + b"));
    feedback.partiallyAccepted("file:///a.py", "");
    feedback.partiallyAccepted("file:///b.py", "return");
    feedback.partiallyAccepted("file:///a.py", "print(");
    assert.equal(sent.length, 1);
  });

  it("tells the rest of a suggestion from a new one", () => {
    assert.ok(continues(suggestion("def f():\n    return 1"), suggestion("    return 1")));
    assert.ok(!continues(undefined, suggestion("x")));
    assert.ok(!continues(suggestion("x = 1"), suggestion("x = 2")));
  });
});

describe("the no-key notice", () => {
  it("names the palette command that stores a key, as package.json titles it", () => {
    assert.equal(paletteTitle("qwenLsp.setApiKey"), "qwen-lsp: Set API Key");
    assert.match(API_KEY_HELP, /“qwen-lsp: Set API Key”/);
    assert.doesNotMatch(API_KEY_HELP, /restart|QWEN_LSP_API_KEY|apiKey/);
  });
});
