import { parseArgs as parseStrict } from "node:util";

// Each command's options, parsed by node:util parseArgs in strict mode: an unknown option (a typo
// such as --prot) or a missing value is refused with a message, never silently ignored.

export type Flags = Readonly<Record<string, string | boolean | undefined>>;

const text = { type: "string" } as const;
const flag = { type: "boolean" } as const;

export const COMMAND_OPTIONS = {
  dev: { data: text, port: text },
  serve: { data: text, port: text, role: text, functions: text },
  run: {},
  ask: { url: text, prefix: text, "top-k": text },
  stale: { url: text },
  redrive: { all: flag, limit: text },
  "ocr-host": { port: text, host: text },
} as const;

export type Command = keyof typeof COMMAND_OPTIONS;

export class UsageError extends Error {}

export const isCommand = (name: string | undefined): name is Command => name !== undefined && Object.hasOwn(COMMAND_OPTIONS, name);

export function parseCommandLine(command: Command, argv: string[]): { flags: Flags; positionals: string[] } {
  const options = COMMAND_OPTIONS[command];
  try {
    const { values, positionals } = parseStrict({ args: argv, options, allowPositionals: true, strict: true });
    return { flags: values as Flags, positionals };
  } catch (err) {
    const known =
      Object.keys(options)
        .map((o) => `--${o}`)
        .join(", ") || "no options";
    const what =
      (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown option ${String((err as Error).message.match(/'([^']+)'/)?.[1] ?? "")}`
        : (err as Error).message;
    throw new UsageError(`${command}: ${what} (${command} takes ${known})`);
  }
}

/** An integer option within [min, max], or undefined when absent. */
export function integerFlag(flags: Flags, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${String(v)})`);
  return Number(v);
}

/** A string option that must be one of `allowed`, or `fallback` when absent. */
export function choiceFlag<const T extends string>(flags: Flags, name: string, allowed: readonly T[], fallback: T): T {
  const v = flags[name];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got ${String(v)})`);
  return v as T;
}

export const stringFlag = (flags: Flags, name: string): string | undefined => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);

/**
 * Free-form `--name value` / `--flag` parsing for the dev scripts (benches, evals), whose options are
 * their own business; the `ragline` command itself parses strictly (parseCommandLine).
 */
export function parseArgs(argv: string[]): { positionals: string[]; flags: Record<string, string | true> } {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split("=", 2);
      if (inline !== undefined) flags[name] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) flags[name] = argv[++i];
      else flags[name] = true;
    } else positionals.push(a);
  }
  return { positionals, flags };
}
