// One output channel ("qwen-lsp") shared by the extension and the language client, so the
// server's stderr and our own messages read in order. The API key is never handed to it.
import type { LogOutputChannel } from "vscode";

let channel: LogOutputChannel | undefined;

export function setChannel(output: LogOutputChannel): void {
  channel = output;
}

export const log = {
  info: (message: string): void => channel?.info(message),
  warn: (message: string): void => channel?.warn(message),
  error: (message: string): void => channel?.error(message),
  show: (): void => channel?.show(true),
};
