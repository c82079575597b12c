// What the user saw and took, for the server's local acceptance counts (`qwen-lsp.stats`), in
// the notifications Copilot's clients send: `textDocument/didShowCompletion` when a suggestion
// appears and `textDocument/didPartiallyAcceptCompletion` when a word or line of it is taken. A
// full accept runs the item's own command (`qwen-lsp.accept`), so it needs nothing here.
//
// VS Code's stable API says nothing when a suggestion becomes visible (`handleDidShowCompletionItem`
// is a proposed API, closed to published extensions): a non-empty answer to a request that was not
// cancelled is taken as shown, as Tabby's client does. Typing through a suggestion asks again and
// gets the rest of the same suggestion: that is not shown a second time.
import type { InlineCompletionItem, InlineCompletionList, Position, TextDocument } from "vscode";
import type { LspRange } from "./vscodeapi";

/** The server's command on an item, which VS Code runs when the whole suggestion is taken. */
export const ACCEPT_COMMAND = "qwen-lsp.accept";
export const DID_SHOW = "textDocument/didShowCompletion";
export const DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion";

/** A suggestion as the user sees it: the line up to where it goes, then its text. */
export interface Suggestion {
  uri: string;
  /** The text of the line before the item's range, then the item's text. */
  completed: string;
  item: { insertText: string; range?: LspRange };
}

export type Notify = (method: string, params: unknown) => void;

export class Feedback {
  /** The suggestion on screen, so that its rest is not reported as shown again. */
  private showing: Suggestion | undefined;
  /** The last suggestion reported, which a word or line taken must come from. */
  private last: Suggestion | undefined;

  constructor(private readonly notify: Notify) {}

  /** A suggestion was put on screen: report it unless it is the rest of the one shown before. */
  shown(suggestion: Suggestion | undefined): void {
    if (!suggestion || continues(this.showing, suggestion)) {
      return;
    }
    this.showing = this.last = suggestion;
    this.notify(DID_SHOW, { item: suggestion.item });
  }

  /** The whole suggestion was taken: whatever comes next is a new one, even the same text. */
  accepted(): void {
    this.showing = undefined;
  }

  /**
   * `accepted` was inserted by accept-next-word/line in `uri`; reported if it is ours. (A quick
   * Tab after it may have taken the rest already: the edit can arrive after that accept.)
   */
  partiallyAccepted(uri: string, accepted: string): void {
    const last = this.last;
    if (!accepted || last?.uri !== uri || !last.completed.includes(accepted)) {
      return; // nothing inserted, or another provider's suggestion
    }
    // LSP counts in UTF-16 code units, as JavaScript strings do.
    this.notify(DID_PARTIALLY_ACCEPT, { item: last.item, acceptedLength: accepted.length });
  }
}

/** Whether `next` is what is left of `previous` after the user typed into it. */
export function continues(previous: Suggestion | undefined, next: Suggestion): boolean {
  return previous?.uri === next.uri && previous.completed.endsWith(next.completed);
}

/** The first item of a provider's answer as a suggestion, if there is one. */
export function firstSuggestion(
  document: TextDocument,
  position: Position,
  result: InlineCompletionItem[] | InlineCompletionList | null | undefined,
): Suggestion | undefined {
  const item = Array.isArray(result) ? result[0] : result?.items[0];
  if (!item) {
    return undefined;
  }
  const insertText = typeof item.insertText === "string" ? item.insertText : item.insertText.value;
  const { start, end } = item.range ?? { start: position, end: position };
  const before = document.lineAt(start.line).text.slice(0, start.character);
  return {
    uri: document.uri.toString(),
    completed: before + insertText,
    item: {
      insertText,
      range: {
        start: { line: start.line, character: start.character },
        end: { line: end.line, character: end.character },
      },
    },
  };
}
