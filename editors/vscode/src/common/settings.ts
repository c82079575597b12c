// The extension's settings and how they map onto the server's: one package.json property per
// server setting, same camelCase name, so the list below is derived rather than kept by hand.
import manifest from "../../package.json";

export const SECTION = "qwenLsp";

/** Settings under `qwenLsp.` that configure the extension itself; the server never sees them. */
const CLIENT_ONLY_PREFIXES = ["server.", "trace."];

/** Every contributed setting name, without the section prefix. */
export const CONTRIBUTED_KEYS: readonly string[] = Object.keys(
  manifest.contributes.configuration.properties,
).map((name) => name.slice(SECTION.length + 1));

/** The settings forwarded to the server, e.g. `baseUrl`, `debounceMs`. */
export const SERVER_KEYS: readonly string[] = CONTRIBUTED_KEYS.filter(
  (key) => !CLIENT_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix)),
);

/** The value the user set for `qwenLsp.<key>` at any level, or undefined when left unset. */
export type ExplicitValue = (key: string) => unknown;

/**
 * The server's settings object (`initializationOptions`, `didChangeConfiguration`).
 *
 * Settings the user left unset are sent as `null`, which the server reads as "use the
 * environment or the built-in default": a package.json default must not override
 * `QWEN_LSP_MODEL` and friends. Blank strings mean unset too.
 */
export function serverSettings(explicit: ExplicitValue): Record<string, unknown> {
  return Object.fromEntries(SERVER_KEYS.map((key) => [key, userValue(explicit(key))]));
}

function userValue(value: unknown): unknown {
  if (value === undefined || (typeof value === "string" && value.trim() === "")) {
    return null;
  }
  return value;
}

/** The most specific value set by the user, from `WorkspaceConfiguration.inspect`. */
export function explicitValue(
  inspected:
    | { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }
    | undefined,
): unknown {
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

/** Setting names whose change needs the server process restarted (a different executable). */
export const RESTART_SECTIONS = [`${SECTION}.server`, "python.defaultInterpreterPath"];
