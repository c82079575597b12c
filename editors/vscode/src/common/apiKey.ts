// The API key lives in VS Code's SecretStorage (the OS keychain), never in settings or logs.
import type { SecretStorage } from "vscode";

export const SECRET_ID = "qwenLsp.apiKey";

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
