import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toggleChoices } from "../../common/enablement";

describe("toggle choices", () => {
  it("offers the opposite of the current state for the workspace and the language", () => {
    assert.deepEqual(toggleChoices({ workspace: true, language: { id: "python", enabled: true } }), [
      { label: "Disable completions for this workspace", target: "workspace", enable: false },
      { label: "Disable completions for python files", target: "language", enable: false },
    ]);
    assert.deepEqual(toggleChoices({ workspace: false, language: { id: "go", enabled: false } }), [
      { label: "Enable completions for this workspace", target: "workspace", enable: true },
      { label: "Enable completions for go files", target: "language", enable: true },
    ]);
  });

  it("offers only the workspace without an editor", () => {
    assert.deepEqual(toggleChoices({ workspace: true }), [
      { label: "Disable completions for this workspace", target: "workspace", enable: false },
    ]);
  });
});
