import assert from "node:assert/strict";
import { describe, it } from "node:test";
import manifest from "../../../package.json";
import {
  CONTRIBUTED_KEYS,
  RESTRICTED_KEYS,
  SERVER_KEYS,
  SPEND_LIMITS,
  chooseValue,
  readSettings,
  serverSettings,
  type Inspected,
} from "../../common/settings";

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
    const value = (inspected: Inspected | undefined): unknown => chooseValue("model", inspected, true).value;
    assert.equal(value(undefined), undefined);
    assert.equal(value({}), undefined);
    assert.equal(value({ globalValue: 1 }), 1);
    assert.equal(value({ globalValue: 1, workspaceValue: 2 }), 2);
    assert.equal(value({ globalValue: 1, workspaceValue: 2, workspaceFolderValue: 3 }), 3);
    assert.equal(value({ globalValue: true, workspaceValue: false }), false);
  });
});

describe("what a workspace may set", () => {
  it("lowers a spending limit, never raises it", () => {
    const table: [unknown, unknown, unknown, boolean][] = [
      // user, workspace, value used, ignored
      [60, 30, 30, false],
      [60, 60, 60, false],
      [60, 120, 60, true],
      [60, 0, 60, true], // 0 is "no limit"
      [0, 500, 500, false], // any limit is lower than none
      [60, -1, 60, true], // the endpoint's default may be higher
      [undefined, 30, undefined, true], // lower than what? the server's default is not known here
      [-1, 30, -1, true],
      [60, "30", 60, true],
      [60, 2.5, 60, true],
      [60, undefined, 60, false],
    ];
    for (const key of SPEND_LIMITS) {
      for (const [user, workspace, used, ignored] of table) {
        const chosen = chooseValue(key, { globalValue: user, workspaceValue: workspace }, true);
        const name = `${key}: user ${String(user)}, workspace ${String(workspace)}`;
        assert.equal(chosen.value, used, name);
        assert.equal(chosen.ignored !== undefined, ignored, name);
      }
    }
    const folder = chooseValue("maxTokens", { globalValue: 256, workspaceValue: 64, workspaceFolderValue: 512 }, true);
    assert.equal(folder.value, 256, "a folder's value is judged like the workspace's");
  });

  it("names what it ignored, once per setting, in the settings read", () => {
    const inspected: Record<string, Inspected> = {
      requestsPerMinute: { globalValue: 10, workspaceValue: 1000 },
      tokensPerDay: { workspaceValue: 5 },
      maxTokens: { globalValue: 256, workspaceValue: 128 },
    };
    const { settings, ignored } = readSettings((key) => inspected[key], true);
    assert.equal(settings.requestsPerMinute, 10);
    assert.equal(settings.tokensPerDay, null);
    assert.equal(settings.maxTokens, 128);
    assert.deepEqual(ignored, [
      "qwenLsp.requestsPerMinute 1000 (yours: 10)",
      "qwenLsp.tokensPerDay 5 (yours: not set)",
    ]);
  });

  it("takes no restricted setting from an untrusted workspace", () => {
    for (const key of RESTRICTED_KEYS) {
      const inspected = { globalValue: "mine", workspaceValue: "theirs" };
      assert.deepEqual(chooseValue(key, inspected, false), { value: "mine" }, key);
    }
    assert.equal(chooseValue("debounceMs", { globalValue: 1, workspaceValue: 2 }, false).value, 2);
    assert.equal(chooseValue("baseUrl", { globalValue: "mine", workspaceValue: "theirs" }, true).value, "theirs");
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
    for (const key of ["provider", "baseUrl", "model", "server.path", ...SPEND_LIMITS]) {
      assert.ok(RESTRICTED_KEYS.includes(key), `${key} is not restricted in untrusted workspaces`);
    }
    assert.ok(!("qwenLsp.apiKey" in properties), "the key lives in SecretStorage");
  });
});
