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

/** What `WorkspaceConfiguration.inspect` says about one setting (the levels we read). */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** What one completion, a minute or a day may spend: a workspace may lower these, never raise. */
export const SPEND_LIMITS: readonly string[] = [
  "maxTokens",
  "requestsPerMinute",
  "tokensPerMinute",
  "tokensPerDay",
];

/** Settings whose workspace values count only in a trusted workspace (from package.json). */
export const RESTRICTED_KEYS: readonly string[] =
  manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.map((name) =>
    name.slice(SECTION.length + 1),
  );

export interface Chosen {
  value: unknown;
  /** A workspace value that was not applied, for the one message that says so. */
  ignored?: string;
}

/**
 * The value to use: the most specific level the user set, except that an untrusted workspace
 * does not choose restricted settings (VS Code's restricted mode says so) and a workspace's
 * spend limit applies only when it is no higher than the user's own. The server's defaults and
 * environment are not known here, so a limit the user left unset cannot be lowered by a
 * workspace either: raising it could not be told apart.
 */
export function chooseValue(key: string, inspected: Inspected | undefined, trusted: boolean): Chosen {
  const user = inspected?.globalValue;
  const workspace = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
  if (workspace === undefined || (!trusted && RESTRICTED_KEYS.includes(key))) {
    return { value: user };
  }
  if (SPEND_LIMITS.includes(key) && !atMost(workspace, user)) {
    const yours = user === undefined ? "not set" : JSON.stringify(user);
    return { value: user, ignored: `${SECTION}.${key} ${JSON.stringify(workspace)} (yours: ${yours})` };
  }
  return { value: workspace };
}

/** Whether limit `a` allows no more than limit `b`. */
function atMost(a: unknown, b: unknown): boolean {
  const [allowedA, allowedB] = [allowance(a), allowance(b)];
  return allowedA !== undefined && allowedB !== undefined && allowedA <= allowedB;
}

/** What a limit allows: 0 is no limit; -1 (the endpoint's default) and bad values are unknown. */
function allowance(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    return undefined;
  }
  return value === 0 ? Infinity : value;
}

/** The server's settings from what VS Code holds, and the workspace values left out. */
export function readSettings(
  inspect: (key: string) => Inspected | undefined,
  trusted: boolean,
): { settings: Record<string, unknown>; ignored: string[] } {
  const chosen = new Map(SERVER_KEYS.map((key) => [key, chooseValue(key, inspect(key), trusted)]));
  return {
    settings: serverSettings((key) => chosen.get(key)?.value),
    ignored: [...chosen.values()].flatMap((choice) => (choice.ignored ? [choice.ignored] : [])),
  };
}

/** Setting names whose change needs the server process restarted (a different executable). */
export const RESTART_SECTIONS = [`${SECTION}.server`, "python.defaultInterpreterPath"];
