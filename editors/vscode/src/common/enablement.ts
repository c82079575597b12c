// Turning completions on and off: for the workspace (`qwenLsp.enable`) or for one language
// (`"[python]": {"qwenLsp.enable": false}`). Pure; the commands module applies the choice.

export interface Toggle {
  label: string;
  /** `workspace` writes `qwenLsp.enable`; `language` writes the language override. */
  target: "workspace" | "language";
  enable: boolean;
}

export interface EnablementState {
  workspace: boolean;
  /** The active editor's language and whether completions are on for it. */
  language?: { id: string; enabled: boolean };
}

/** The quick-pick entries offered by a click on the status bar item. */
export function toggleChoices(state: EnablementState): Toggle[] {
  const verb = (on: boolean): string => (on ? "Disable" : "Enable");
  const choices: Toggle[] = [
    {
      label: `${verb(state.workspace)} completions for this workspace`,
      target: "workspace",
      enable: !state.workspace,
    },
  ];
  if (state.language) {
    choices.push({
      label: `${verb(state.language.enabled)} completions for ${state.language.id} files`,
      target: "language",
      enable: !state.language.enabled,
    });
  }
  return choices;
}
