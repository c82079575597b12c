// The commands in the palette (`qwenLsp.*`). The server's own commands (`qwen-lsp.*`) are
// reached through `Server.execute`; one the server does not know gets a message, not a crash.
import type { Disposable, TextEditor } from "vscode";
import type { ApiKey } from "./apiKey";
import { toggleChoices, type EnablementState, type Toggle } from "./enablement";
import { log } from "./logger";
import type { Server } from "./server";
import {
  commands,
  configuration,
  nextInsertion,
  toVsRange,
  window,
  workspaceTarget,
  type LspRange,
} from "./vscodeapi";

export const COMMANDS = {
  setApiKey: "qwenLsp.setApiKey",
  clearApiKey: "qwenLsp.clearApiKey",
  enable: "qwenLsp.enable",
  disable: "qwenLsp.disable",
  toggle: "qwenLsp.toggle",
  restart: "qwenLsp.restart",
  showLogs: "qwenLsp.showLogs",
  showStats: "qwenLsp.showStats",
  triggerCompletion: "qwenLsp.triggerCompletion",
  completeBlock: "qwenLsp.completeBlock",
  acceptNextWord: "qwenLsp.acceptNextWord",
  acceptNextLine: "qwenLsp.acceptNextLine",
} as const;

/** Commands the server implements (workspace/executeCommand). */
export const SERVER_COMMANDS = { stats: "qwen-lsp.stats", completeBlock: "qwen-lsp.completeBlock" };

export interface CommandDeps {
  server: Server;
  apiKey: ApiKey;
  restart(): Promise<void>;
  /** Restart the server if the stored key differs from the one it runs with. */
  keyChanged(): Promise<void>;
  enablement(): EnablementState;
}

export function registerCommands(deps: CommandDeps): Disposable[] {
  const handlers: Record<string, (...args: never[]) => unknown> = {
    [COMMANDS.setApiKey]: async () => {
      if (await setApiKey(deps.apiKey)) {
        await deps.keyChanged();
      }
    },
    [COMMANDS.clearApiKey]: async () => {
      await deps.apiKey.clear();
      void window.showInformationMessage("qwen-lsp: API key removed.");
      await deps.keyChanged();
    },
    [COMMANDS.enable]: () => applyToggle({ label: "", target: "workspace", enable: true }),
    [COMMANDS.disable]: () => applyToggle({ label: "", target: "workspace", enable: false }),
    [COMMANDS.toggle]: () => pickToggle(deps),
    [COMMANDS.restart]: () => deps.restart(),
    [COMMANDS.showLogs]: () => log.show(),
    [COMMANDS.showStats]: () => showStats(deps.server),
    [COMMANDS.triggerCompletion]: () => commands.executeCommand("editor.action.inlineSuggest.trigger"),
    [COMMANDS.completeBlock]: () => completeBlock(deps.server, window.activeTextEditor),
    [COMMANDS.acceptNextWord]: () => acceptPart(deps.server, "editor.action.inlineSuggest.acceptNextWord"),
    [COMMANDS.acceptNextLine]: () => acceptPart(deps.server, "editor.action.inlineSuggest.acceptNextLine"),
  };
  return Object.entries(handlers).map(([id, handler]) => commands.registerCommand(id, handler));
}

/** Ask for the key and store it; whether one was stored. */
async function setApiKey(apiKey: ApiKey): Promise<boolean> {
  const value = await window.showInputBox({
    title: "qwen-lsp: API key",
    prompt: "Your DashScope (Model Studio) API key. Stored in the system keychain, never in settings.",
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() ? undefined : "The key cannot be empty."),
  });
  if (!value?.trim()) {
    return false;
  }
  await apiKey.set(value);
  void window.showInformationMessage("qwen-lsp: API key stored; restarting the server.");
  return true;
}

async function pickToggle(deps: CommandDeps): Promise<void> {
  const toggles = toggleChoices(deps.enablement());
  const extra = [
    { label: "$(key) Set API Key", command: COMMANDS.setApiKey },
    { label: "$(output) Show Logs", command: COMMANDS.showLogs },
    { label: "$(debug-restart) Restart Server", command: COMMANDS.restart },
  ];
  const picked = await window.showQuickPick<{ label: string; toggle?: Toggle; command?: string }>(
    [...toggles.map((toggle) => ({ label: toggle.label, toggle })), ...extra],
    { title: "qwen-lsp" },
  );
  if (picked?.toggle) {
    await applyToggle(picked.toggle);
  } else if (picked?.command) {
    await commands.executeCommand(picked.command);
  }
}

async function applyToggle(toggle: Toggle): Promise<void> {
  if (toggle.target === "workspace") {
    await configuration().update("enable", toggle.enable, workspaceTarget());
    return;
  }
  const document = window.activeTextEditor?.document;
  if (document) {
    await configuration(document).update("enable", toggle.enable, workspaceTarget(), true);
  }
}

async function showStats(server: Server): Promise<void> {
  try {
    const stats = await server.execute(SERVER_COMMANDS.stats, []);
    log.info(`local stats: ${JSON.stringify(stats, null, 2)}`);
    log.show();
  } catch (error) {
    unsupported("stats", error);
  }
}

/** VS Code's own accept-next-word/line, then what it inserted reported to the server. */
async function acceptPart(server: Server, builtIn: string): Promise<void> {
  const document = window.activeTextEditor?.document;
  if (!document) {
    return;
  }
  // The edit reaches a remote extension host after the command's promise: wait for the change.
  const inserted = nextInsertion(document, 1000);
  await commands.executeCommand(builtIn);
  const text = await inserted;
  if (text) {
    server.feedback.partiallyAccepted(document.uri.toString(), text);
  }
}

interface BlockResult {
  insertText: string;
  range: LspRange;
}

async function completeBlock(server: Server, editor: TextEditor | undefined): Promise<void> {
  if (!editor) {
    return;
  }
  const position = editor.selection.active;
  let result: unknown;
  try {
    result = await server.execute(SERVER_COMMANDS.completeBlock, [
      {
        textDocument: { uri: editor.document.uri.toString() },
        position: { line: position.line, character: position.character },
      },
    ]);
  } catch (error) {
    unsupported("block completion", error);
    return;
  }
  if (!isBlockResult(result)) {
    void window.setStatusBarMessage("qwen-lsp: no block completion here", 3000);
    return;
  }
  const range = editor.document.validateRange(toVsRange(result.range));
  await editor.edit((builder) => builder.replace(range, result.insertText));
}

function isBlockResult(value: unknown): value is BlockResult {
  const candidate = value as BlockResult | null;
  return typeof candidate?.insertText === "string" && typeof candidate.range?.start === "object";
}

function unsupported(feature: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  log.warn(`${feature} failed: ${reason}`);
  void window.showWarningMessage(
    `qwen-lsp: ${feature} is not available (${reason}). An older server may not support it.`,
  );
}
