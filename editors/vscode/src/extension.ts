// Wiring only: each concern lives in src/common/.
import type { ExtensionContext, TextDocument } from "vscode";
import { ApiKey } from "./common/apiKey";
import { COMMANDS, registerCommands } from "./common/commands";
import { discoverServer, interpreterCandidates, nodeHost, INSTALL_COMMAND } from "./common/discovery";
import type { EnablementState } from "./common/enablement";
import { log, setChannel } from "./common/logger";
import { Server } from "./common/server";
import { RESTART_SECTIONS, SECTION, readSettings } from "./common/settings";
import { StatusBar } from "./common/status";
import {
  commands,
  configuration,
  createStatusItem,
  env,
  isTrusted,
  onDidChangeConfiguration,
  onDidGrantWorkspaceTrust,
  pythonInterpreter,
  themeBackground,
  window,
} from "./common/vscodeapi";

let server: Server | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const output = window.createOutputChannel("qwen-lsp", { log: true });
  setChannel(output);
  const statusBar = new StatusBar(createStatusItem(), themeBackground, COMMANDS.toggle);
  const apiKey = new ApiKey(context.secrets);
  const running = new Server(output, {
    onStatus: (status) => statusBar.update(status, disabledLanguage()),
    enabledFor,
  });
  server = running;
  let notFoundShown = false;
  let starting: Promise<void> = Promise.resolve();
  let keyInUse: string | undefined; // the key the running server got, to restart on a new one

  const startOnce = async (onlyForNewKey: boolean): Promise<void> => {
    const key = await apiKey.get();
    if (onlyForNewKey && key === keyInUse) {
      return;
    }
    keyInUse = key;
    const found = await discoverServer(
      {
        serverPath: configuration().get<string>("server.path", ""),
        interpreters: interpreterCandidates(pythonInterpreter()),
      },
      nodeHost(),
    );
    if ("problem" in found) {
      await running.stop();
      log.error(found.problem);
      statusBar.update({ state: "stopped", message: found.problem });
      if (!notFoundShown) {
        notFoundShown = true; // one notification per session; the status bar keeps saying it
        void notifyNotFound(found.problem);
      }
      return;
    }
    try {
      await running.start(found.found, key, currentSettings());
    } catch (error) {
      log.error(`the server did not start: ${String(error)}`);
    }
  };
  // A key change and a settings change at once must not start two servers side by side.
  // A failure is logged, never left in the chain, or every later start would be skipped.
  const start = (onlyForNewKey = false): Promise<void> =>
    (starting = starting
      .then(() => startOnce(onlyForNewKey))
      .catch((error: unknown) => log.error(`starting the server failed: ${String(error)}`)));
  // Both the command that stored the key and SecretStorage's change event (which not every
  // VS Code build fires for the window that stored it) ask; only a new key restarts.
  const keyChanged = (): Promise<void> => start(true);

  context.subscriptions.push(
    output,
    { dispose: () => void running.stop() },
    ...registerCommands({ server: running, apiKey, restart: () => start(), keyChanged, enablement }),
    apiKey.onDidChange(() => void keyChanged()),
    onDidChangeConfiguration((event) => {
      if (RESTART_SECTIONS.some((section) => event.affectsConfiguration(section))) {
        void start();
      } else if (event.affectsConfiguration(SECTION)) {
        void running.sendSettings(currentSettings());
        statusBar.render(disabledLanguage());
      }
    }),
    window.onDidChangeActiveTextEditor(() => statusBar.render(disabledLanguage())),
    onDidGrantWorkspaceTrust(() => void running.sendSettings(currentSettings())),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}

/** Workspace settings already reported as ignored, so each gets one message. */
const reportedIgnored = new Set<string>();

function currentSettings(): Record<string, unknown> {
  const config = configuration();
  const { settings, ignored } = readSettings((key) => config.inspect(key), isTrusted());
  const fresh = ignored.filter((entry) => !reportedIgnored.has(entry));
  if (fresh.length) {
    fresh.forEach((entry) => reportedIgnored.add(entry));
    const message =
      `qwen-lsp: this workspace's settings may lower the spending limits in your user settings, ` +
      `never raise them; ignored: ${fresh.join(", ")}.`;
    log.warn(message);
    void window.showWarningMessage(message);
  }
  return settings;
}

function enabledFor(document: TextDocument): boolean {
  return configuration(document).get<boolean>("enable", true);
}

/** The active editor's language when completions are switched off for it alone. */
function disabledLanguage(): string | undefined {
  const document = window.activeTextEditor?.document;
  const workspaceOn = configuration().get<boolean>("enable", true);
  return document && workspaceOn && !enabledFor(document) ? document.languageId : undefined;
}

function enablement(): EnablementState {
  const document = window.activeTextEditor?.document;
  return {
    workspace: configuration().get<boolean>("enable", true),
    language: document ? { id: document.languageId, enabled: enabledFor(document) } : undefined,
  };
}

async function notifyNotFound(problem: string): Promise<void> {
  const copy = "Copy Install Command";
  const settings = "Open Settings";
  const choice = await window.showErrorMessage(problem, copy, settings);
  if (choice === copy) {
    await env.clipboard.writeText(INSTALL_COMMAND);
  } else if (choice === settings) {
    await commands.executeCommand("workbench.action.openSettings", "qwenLsp.server.path");
  }
}
