// The API key lives in VS Code's SecretStorage (the OS keychain), never in settings or logs.
import type { SecretStorage } from "vscode";
import manifest from "../../package.json";

export const SECRET_ID = "qwenLsp.apiKey";

/** The palette entry that stores a key, as the Command Palette lists it. */
export function paletteTitle(command: string): string {
  const entry = manifest.contributes.commands.find((candidate) => candidate.command === command);
  return entry ? `${entry.category}: ${entry.title}` : command;
}

/**
 * How a VS Code user sets a key, for the server's no-key notice (`apiKeyHelp`): its own advice
 * (environment variables, a restart) does not apply here.
 */
export const API_KEY_HELP =
  `Run “${paletteTitle("qwenLsp.setApiKey")}” from the Command Palette: the key is kept in ` +
  `the system keychain and takes effect at once.`;

export class ApiKey {
  constructor(private readonly secrets: SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.secrets.get(SECRET_ID);
  }

  async set(value: string): Promise<void> {
    await this.secrets.store(SECRET_ID, value.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_ID);
  }

  onDidChange(listener: () => void): { dispose(): void } {
    return this.secrets.onDidChange((event) => {
      if (event.key === SECRET_ID) {
        listener();
      }
    });
  }
}
