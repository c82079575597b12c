// Finding the server: the `qwenLsp.server.path` setting, else `qwen-lsp` on PATH, else
// `python -m qwen_lsp` with an interpreter that can import it. Pure logic over a small host
// interface, so it is unit-tested without VS Code; `nodeHost` is the real file system.
import { execFile } from "node:child_process";
import { constants, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const INSTALL_COMMAND = "pipx install qwen-lsp";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it came from, for the log. */
  source: "setting" | "PATH" | "python";
}

export type Discovery = { found: ServerCommand } | { problem: string };

export interface DiscoveryHost {
  isExecutable(file: string): Promise<boolean>;
  /** The full path of an executable on PATH, if any. */
  onPath(name: string): Promise<string | undefined>;
  /** Whether `python -c "import qwen_lsp"` succeeds with this interpreter. */
  canImport(python: string): Promise<boolean>;
}

export interface DiscoveryOptions {
  /** `qwenLsp.server.path` (may start with `~`). */
  serverPath: string;
  /** Interpreters to try for `python -m qwen_lsp`, the user's configured one first. */
  interpreters: string[];
}

export async function discoverServer(
  options: DiscoveryOptions,
  host: DiscoveryHost,
): Promise<Discovery> {
  const configured = expandHome(options.serverPath.trim());
  if (configured) {
    // An explicit path that does not work is reported as such, not silently replaced.
    return (await host.isExecutable(configured))
      ? { found: { command: configured, args: [], source: "setting" } }
      : {
          problem:
            `qwenLsp.server.path is "${options.serverPath}", which is not an executable file. ` +
            `Fix the setting or clear it to use qwen-lsp from PATH.`,
        };
  }
  const onPath = await host.onPath("qwen-lsp");
  if (onPath) {
    return { found: { command: onPath, args: [], source: "PATH" } };
  }
  for (const python of unique(options.interpreters)) {
    if (await host.canImport(python)) {
      return { found: { command: python, args: ["-m", "qwen_lsp"], source: "python" } };
    }
  }
  return {
    problem:
      `qwen-lsp server not found: no qwenLsp.server.path, no qwen-lsp on PATH, and no Python ` +
      `that can import qwen_lsp (tried ${unique(options.interpreters).join(", ")}). ` +
      `Install it with \`${INSTALL_COMMAND}\`, or set qwenLsp.server.path.`,
  };
}

/** The interpreters to try: the one configured for VS Code's Python support, then the usual names. */
export function interpreterCandidates(configured: string | undefined): string[] {
  const first = configured?.trim() ? [expandHome(configured.trim())] : [];
  return unique([...first, "python3", "python"]);
}

export function expandHome(file: string): string {
  return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** The real host: PATH lookup and an import probe bounded in time. */
export function nodeHost(env: NodeJS.ProcessEnv = process.env): DiscoveryHost {
  const isExecutable = async (file: string): Promise<boolean> => {
    try {
      await fs.access(file, constants.X_OK);
      return (await fs.stat(file)).isFile();
    } catch {
      return false;
    }
  };
  return {
    isExecutable,
    async onPath(name) {
      for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        const file = path.join(dir, name);
        if (await isExecutable(file)) {
          return file;
        }
      }
      return undefined;
    },
    canImport(python) {
      return new Promise((resolve) => {
        execFile(python, ["-c", "import qwen_lsp"], { env, timeout: 10_000 }, (error) =>
          resolve(error === null),
        );
      });
    },
  };
}
