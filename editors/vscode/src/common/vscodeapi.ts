// The VS Code calls the extension makes, in one place: modules that hold logic import these
// (or only types from `vscode`), so their logic stays testable without an editor.
import * as vscode from "vscode";
import { SECTION } from "./settings";

export const window = vscode.window;
export const commands = vscode.commands;
export const env = vscode.env;

export function configuration(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION, scope);
}

export function pythonInterpreter(): string | undefined {
  return vscode.workspace.getConfiguration("python").get<string>("defaultInterpreterPath");
}

export function onDidChangeConfiguration(
  listener: (event: vscode.ConfigurationChangeEvent) => void,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(listener);
}

/** Whether the user trusts the open workspace (restricted settings apply only then). */
export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export function onDidGrantWorkspaceTrust(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}

/** Where a workspace-level change goes: the workspace if one is open, else the user settings. */
export function workspaceTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
}

export function createStatusItem(): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("qwenLsp.status", vscode.StatusBarAlignment.Right);
  item.name = "qwen-lsp";
  return item;
}

export function themeBackground(kind: "error" | "warning"): vscode.ThemeColor {
  return new vscode.ThemeColor(`statusBarItem.${kind}Background`);
}

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export function toVsRange(range: LspRange): vscode.Range {
  return new vscode.Range(
    range.start.line,
    range.start.character,
    range.end.line,
    range.end.character,
  );
}

/** The text the next change to `document` inserts, or undefined if none comes in `timeoutMs`. */
export function nextInsertion(document: vscode.TextDocument, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (text: string | undefined): void => {
      clearTimeout(timer);
      listener.dispose();
      resolve(text);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const listener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === document && event.contentChanges.length) {
        done(event.contentChanges.map((change) => change.text).join(""));
      }
    });
  });
}
