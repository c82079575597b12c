import assert from "node:assert/strict";
import { describe, it } from "node:test";
import manifest from "../../../package.json";
import { CONTRIBUTED_KEYS, SERVER_KEYS, explicitValue, serverSettings } from "../../common/settings";

const properties: Record<string, Record<string, unknown>> =
  manifest.contributes.configuration.properties;

describe("settings mapping", () => {
  it("forwards every contributed setting except the client's own", () => {
    // Which settings the server has is checked against settings.py by tests/test_vscode_settings.py.
    const clientOnly = ["server.path", "trace.server"];
    assert.deepEqual(SERVER_KEYS, CONTRIBUTED_KEYS.filter((key) => !clientOnly.includes(key)));
    for (const key of [...clientOnly, "baseUrl", "model", "debounceMs", "enable", "exclude"]) {
      assert.ok(CONTRIBUTED_KEYS.includes(key), key);
    }
  });

  it("sends what the user set under the same camelCase name", () => {
    const set: Record<string, unknown> = {
      model: "qwen3-coder-plus",
      debounceMs: 50,
      temperature: 0,
      enable: false,
      exclude: ["*.sql", "vendor/**"],
    };
    const sent = serverSettings((key) => set[key]);
    assert.equal(sent.model, "qwen3-coder-plus");
    assert.equal(sent.debounceMs, 50);
    assert.equal(sent.temperature, 0, "a falsy number is a value, not unset");
    assert.equal(sent.enable, false, "false is a value, not unset");
    assert.deepEqual(sent.exclude, ["*.sql", "vendor/**"]);
  });

  it("sends null for unset and blank settings so the server's environment applies", () => {
    const sent = serverSettings((key) => ({ baseUrl: "   ", model: "" })[key]);
    assert.deepEqual(Object.keys(sent).sort(), [...SERVER_KEYS].sort());
    for (const key of SERVER_KEYS) {
      assert.equal(sent[key], null, key);
    }
  });

  it("never sends an API key or client-only settings, even if present in settings.json", () => {
    const sent = serverSettings((key) => `value of ${key}`);
    assert.ok(!("apiKey" in sent));
    assert.ok(!("server.path" in sent));
    assert.ok(!("trace.server" in sent));
  });

  it("passes bad values through for the server to reject with one warning", () => {
    assert.equal(serverSettings((key) => (key === "debounceMs" ? "soon" : undefined)).debounceMs, "soon");
  });

  it("takes the most specific level the user set", () => {
    assert.equal(explicitValue(undefined), undefined);
    assert.equal(explicitValue({}), undefined);
    assert.equal(explicitValue({ globalValue: 1 }), 1);
    assert.equal(explicitValue({ globalValue: 1, workspaceValue: 2 }), 2);
    assert.equal(explicitValue({ globalValue: 1, workspaceValue: 2, workspaceFolderValue: 3 }), 3);
    assert.equal(explicitValue({ globalValue: true, workspaceValue: false }), false);
  });
});

describe("package.json settings", () => {
  it("give every setting a scope, a markdownDescription and a default", () => {
    for (const [name, property] of Object.entries(properties)) {
      assert.equal(typeof property.scope, "string", `${name} has no scope`);
      assert.equal(typeof property.markdownDescription, "string", `${name} has no markdownDescription`);
      assert.ok("default" in property, `${name} has no default`);
    }
  });

  it("let no workspace choose where code and key go, or which program runs", () => {
    assert.equal(properties["qwenLsp.baseUrl"].scope, "machine");
    assert.equal(properties["qwenLsp.server.path"].scope, "machine");
    assert.ok(!("qwenLsp.apiKey" in properties), "the key lives in SecretStorage");
  });
});
