// The language client: starts the discovered server over stdio, hands it settings and the API
// key, relays its status notifications, and lets commands call the server's own commands.
import type { LogOutputChannel, TextDocument } from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { API_KEY_HELP } from "./apiKey";
import type { ServerCommand } from "./discovery";
import { ACCEPT_COMMAND, Feedback, firstSuggestion } from "./feedback";
import { pipeServerLog } from "./serverLog";
import { SECTION } from "./settings";
import { STATUS_NOTIFICATION, isServerStatus, type Status } from "./status";

/** The environment variable the server reads its key from (never a setting or a message). */
export const API_KEY_ENV = "QWEN_LSP_API_KEY";

export interface ServerHooks {
  onStatus(status: Status): void;
  /** Whether completions are wanted for this document (language overrides of `enable`). */
  enabledFor(document: TextDocument): boolean;
}

/**
 * Files and untitled buffers of any language (the server decides what to complete), and the
 * Python cells of Jupyter notebooks.
 */
export const DOCUMENT_SELECTOR = [
  { scheme: "file" },
  { scheme: "untitled" },
  { notebook: "jupyter-notebook", language: "python" },
];

export class Server {
  private client: LanguageClient | undefined;
  /** What the user saw and took, reported to whichever client runs. */
  readonly feedback = new Feedback((method, params) => {
    if (this.running) {
      void this.client?.sendNotification(method, params);
    }
  });

  constructor(
    private readonly output: LogOutputChannel,
    private readonly hooks: ServerHooks,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  async start(
    server: ServerCommand,
    apiKey: string | undefined,
    settings: Record<string, unknown>,
  ): Promise<void> {
    await this.stop();
    this.hooks.onStatus({ state: "starting" });
    // The key travels in the child's environment: initializationOptions would show up in the
    // LSP trace (qwenLsp.trace.server) and so in the logs.
    const env = apiKey ? { ...process.env, [API_KEY_ENV]: apiKey } : { ...process.env };
    const serverOptions: ServerOptions = {
      command: server.command,
      args: server.args,
      options: { env },
    };
    const client = new LanguageClient(SECTION, "qwen-lsp", serverOptions, this.clientOptions(settings));
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Stopped && this.client === client) {
        this.hooks.onStatus({ state: "stopped", message: "See “qwen-lsp: Show Logs”." });
      }
    });
    // The server reports its first state right after `initialized`.
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      if (isServerStatus(params)) {
        this.hooks.onStatus(params);
      }
    });
    this.client = client;
    this.output.info(`starting ${[server.command, ...server.args].join(" ")} (from ${server.source})`);
    await client.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) {
      await client.stop();
    }
  }

  async sendSettings(settings: Record<string, unknown>): Promise<void> {
    if (this.running) {
      await this.client?.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: settings },
      });
    }
  }

  /** Run one of the server's `workspace/executeCommand` commands; rejects if it fails. */
  async execute(command: string, args: unknown[]): Promise<unknown> {
    if (!this.client || !this.running) {
      throw new Error("the qwen-lsp server is not running");
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  private clientOptions(settings: Record<string, unknown>): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions: { ...settings, apiKeyHelp: API_KEY_HELP },
      outputChannel: this.output,
      stdioOptions: {
        stdout: () => undefined, // the LSP stream itself: never handed to this option over stdio
        stderr: pipeServerLog,
      },
      middleware: {
        provideInlineCompletionItems: async (document, position, context, token, next) => {
          if (!this.hooks.enabledFor(document)) {
            return null;
          }
          const result = await next(document, position, context, token);
          if (!token.isCancellationRequested) {
            this.feedback.shown(firstSuggestion(document, position, result));
          }
          return result;
        },
        executeCommand: (command, args, next) => {
          if (command === ACCEPT_COMMAND) {
            this.feedback.accepted();
          }
          return next(command, args);
        },
      },
    };
  }
}
