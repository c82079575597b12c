import assert from "node:assert/strict";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  INSTALL_COMMAND,
  discoverServer,
  expandHome,
  interpreterCandidates,
  nodeHost,
  type DiscoveryHost,
} from "../../common/discovery";

/** A host where only the named executables, PATH entries and interpreters work. */
function host(world: { executables?: string[]; path?: string[]; pythons?: string[] }) {
  const probed: string[] = [];
  const fake: DiscoveryHost = {
    isExecutable: async (file) => (world.executables ?? []).includes(file),
    onPath: async (name) => (world.path ?? []).find((file) => path.basename(file) === name),
    canImport: async (python) => {
      probed.push(python);
      return (world.pythons ?? []).includes(python);
    },
  };
  return { fake, probed };
}

const interpreters = ["/venv/bin/python", "python3", "python"];

describe("server discovery", () => {
  it("uses qwenLsp.server.path first", async () => {
    const { fake } = host({ executables: ["/opt/qwen-lsp"], path: ["/usr/bin/qwen-lsp"] });
    const found = await discoverServer({ serverPath: "/opt/qwen-lsp", interpreters }, fake);
    assert.deepEqual(found, { found: { command: "/opt/qwen-lsp", args: [], source: "setting" } });
  });

  it("reports a broken qwenLsp.server.path instead of silently using another server", async () => {
    const { fake } = host({ path: ["/usr/bin/qwen-lsp"] });
    const found = await discoverServer({ serverPath: "/nope/qwen-lsp", interpreters }, fake);
    assert.ok("problem" in found);
    assert.match(found.problem, /qwenLsp\.server\.path is "\/nope\/qwen-lsp"/);
  });

  it("expands ~ in qwenLsp.server.path", async () => {
    const file = path.join(os.homedir(), "bin/qwen-lsp");
    const { fake } = host({ executables: [file] });
    const found = await discoverServer({ serverPath: "~/bin/qwen-lsp", interpreters }, fake);
    assert.deepEqual(found, { found: { command: file, args: [], source: "setting" } });
  });

  it("falls back to qwen-lsp on PATH", async () => {
    const { fake, probed } = host({ path: ["/usr/local/bin/qwen-lsp"], pythons: ["python3"] });
    const found = await discoverServer({ serverPath: "  ", interpreters }, fake);
    assert.deepEqual(found, { found: { command: "/usr/local/bin/qwen-lsp", args: [], source: "PATH" } });
    assert.deepEqual(probed, [], "no interpreter is started when PATH has the server");
  });

  it("then tries python -m qwen_lsp, the configured interpreter first", async () => {
    const { fake, probed } = host({ pythons: ["python3"] });
    const found = await discoverServer({ serverPath: "", interpreters }, fake);
    assert.deepEqual(found, {
      found: { command: "python3", args: ["-m", "qwen_lsp"], source: "python" },
    });
    assert.deepEqual(probed, ["/venv/bin/python", "python3"]);
  });

  it("says how to install when nothing works", async () => {
    const { fake, probed } = host({});
    const found = await discoverServer({ serverPath: "", interpreters }, fake);
    assert.ok("problem" in found);
    assert.ok(found.problem.includes(INSTALL_COMMAND));
    assert.ok(found.problem.includes("/venv/bin/python, python3, python"));
    assert.deepEqual(probed, interpreters);
  });

  it("lists the configured interpreter first, without duplicates", () => {
    assert.deepEqual(interpreterCandidates(undefined), ["python3", "python"]);
    assert.deepEqual(interpreterCandidates(" "), ["python3", "python"]);
    assert.deepEqual(interpreterCandidates("python"), ["python", "python3"]);
    assert.deepEqual(interpreterCandidates("/venv/bin/python"), ["/venv/bin/python", "python3", "python"]);
  });

  it("expands only a leading ~", () => {
    assert.equal(expandHome("~"), os.homedir());
    assert.equal(expandHome("~/x"), path.join(os.homedir(), "x"));
    assert.equal(expandHome("/a/~/x"), "/a/~/x");
    assert.equal(expandHome("~user/x"), "~user/x");
  });
});

describe("the real discovery host", () => {
  async function script(dir: string, name: string, body: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it("finds an executable on PATH and skips non-executable files and directories", async () => {
    const [first, second] = [await mkdtemp(path.join(os.tmpdir(), "qa-")), await mkdtemp(path.join(os.tmpdir(), "qb-"))];
    await writeFile(path.join(first, "qwen-lsp"), "not executable");
    const server = await script(second, "qwen-lsp", "exit 0");
    const real = nodeHost({ PATH: [path.join(first, "missing"), first, second].join(path.delimiter) });
    assert.equal(await real.onPath("qwen-lsp"), server);
    assert.equal(await real.onPath("no-such-program"), undefined);
    assert.equal(await real.isExecutable(second), false, "a directory is not a server");
  });

  it("probes an interpreter by running it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "qp-"));
    const good = await script(dir, "good-python", '[ "$1" = -c ] && [ "$2" = "import qwen_lsp" ]');
    const bad = await script(dir, "bad-python", "exit 1");
    const real = nodeHost({ PATH: "" });
    assert.equal(await real.canImport(good), true);
    assert.equal(await real.canImport(bad), false);
    assert.equal(await real.canImport(path.join(dir, "missing-python")), false);
  });
});
