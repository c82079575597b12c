// The status bar item: what the server's `$/qwenLsp/status` notifications (and the client's own
// life cycle) look like to the user. `present` is pure; `StatusBar` only copies its result over.

export const STATUS_NOTIFICATION = "$/qwenLsp/status";

/** The server's notification params (the server may add fields; unknown ones are ignored). */
export interface ServerStatus {
  state: "ready" | "busy" | "rate_limited" | "error" | "retrying" | "disabled";
  kind?: string;
  message?: string;
}

/** What the client itself knows before or without the server. */
export type ClientStatus =
  | { state: "starting" }
  | { state: "stopped"; message: string }
  | { state: "disabledForLanguage"; language: string };

export type Status = ServerStatus | ClientStatus;

export interface Presentation {
  text: string;
  tooltip: string;
  background?: "error" | "warning";
}

const NAME = "Qwen";
const CLICK = "Click to enable or disable completions for this workspace or language.";

const ERROR_HINTS: Record<string, string> = {
  auth: "The API key was rejected: run “qwen-lsp: Set API Key”.",
  quota: "The account is out of quota or credit.",
  offline: "The model endpoint cannot be reached (offline?).",
  dns: "The model endpoint's host name does not resolve (offline?).",
  timeout: "The model did not answer in time (qwenLsp.timeoutMs).",
  not_found: "The endpoint does not know this model (qwenLsp.model / qwenLsp.baseUrl).",
  untrusted_endpoint:
    "The project's .qwen-lsp.toml names an endpoint you have not trusted: add it to qwenLsp.trustedBaseUrls if you do.",
};

export function present(status: Status): Presentation {
  switch (status.state) {
    case "ready":
      return { text: `$(sparkle) ${NAME}`, tooltip: `qwen-lsp: ready. ${CLICK}` };
    case "busy":
      return { text: `$(loading~spin) ${NAME}`, tooltip: "qwen-lsp: thinking…" };
    case "rate_limited":
      return {
        text: `$(watch) ${NAME}`,
        tooltip: `qwen-lsp: rate-limited, waiting before the next request.${detail(status.message)}`,
        background: "warning",
      };
    case "error":
      return {
        text: `$(error) ${NAME}`,
        tooltip: `qwen-lsp: ${errorTitle(status.kind)}.${detail(status.message)}${hint(status.kind)}`,
        background: "error",
      };
    case "retrying":
      // A pause after failures is over, but nothing has answered yet: not "ready".
      return {
        text: `$(refresh) ${NAME}`,
        tooltip:
          `qwen-lsp: retrying: the next request tries the provider again.` +
          `\nLast failure: ${errorTitle(status.kind)}.${detail(status.message)}${hint(status.kind)}`,
        background: "warning",
      };
    case "disabled":
      return {
        text: `$(circle-slash) ${NAME}`,
        tooltip:
          `qwen-lsp: completions are disabled (switched off, or no API key: run ` +
          `“qwen-lsp: Set API Key”).${detail(status.message)}\n${CLICK}`,
      };
    case "disabledForLanguage":
      return {
        text: `$(circle-slash) ${NAME}`,
        tooltip: `qwen-lsp: completions are disabled for ${status.language}. ${CLICK}`,
      };
    case "starting":
      return { text: `$(sync~spin) ${NAME}`, tooltip: "qwen-lsp: starting the server…" };
    case "stopped":
      return {
        text: `$(error) ${NAME}`,
        tooltip: `qwen-lsp: the server is not running. ${status.message}`,
        background: "error",
      };
  }
}

const TITLES: Record<string, string> = {
  auth: "API key rejected",
  offline: "offline",
  dns: "offline",
  rate_limited: "rate-limited",
  budget: "spending limit reached",
};

function errorTitle(kind: string | undefined): string {
  return kind ? (TITLES[kind] ?? `error (${kind.replace(/_/g, " ")})`) : "error";
}

function detail(message: string | undefined): string {
  return message ? `\n${message}` : "";
}

function hint(kind: string | undefined): string {
  const text = kind ? ERROR_HINTS[kind] : undefined;
  return text ? `\n${text}` : "";
}

/** The few members of `vscode.StatusBarItem` this module sets. */
export interface StatusItem {
  text: string;
  tooltip: string | unknown;
  backgroundColor: unknown;
  command: string | unknown;
  show(): void;
}

export class StatusBar {
  private server: Status = { state: "starting" };

  constructor(
    private readonly item: StatusItem,
    private readonly color: (background: "error" | "warning") => unknown,
    toggleCommand: string,
  ) {
    item.command = toggleCommand;
    this.render(undefined);
    item.show();
  }

  /** Remember the server's (or client's) latest state and show it. */
  update(status: Status, disabledLanguage?: string): void {
    this.server = status;
    this.render(disabledLanguage);
  }

  /** Re-render for another editor: a language switched off wins over the server's state. */
  render(disabledLanguage: string | undefined): void {
    const shown: Status = disabledLanguage
      ? { state: "disabledForLanguage", language: disabledLanguage }
      : this.server;
    const look = present(shown);
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.backgroundColor = look.background ? this.color(look.background) : undefined;
  }
}

/** Whether a notification's params have the shape we can show (bad input never throws). */
export function isServerStatus(value: unknown): value is ServerStatus {
  const states = ["ready", "busy", "rate_limited", "error", "retrying", "disabled"];
  return (
    typeof value === "object" &&
    value !== null &&
    states.includes((value as { state?: unknown }).state as string)
  );
}
