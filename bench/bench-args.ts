/**
 * Command-line options of the bench scripts: whole numbers with a lower bound, or one of a few
 * words. `--help` prints the script's description and its options; a bad or unknown option is
 * refused with the usage instead of running a long measurement on a wrong setting.
 */
import { parseArgs } from 'node:util';

type OptionSpec = { default: number; min: number; help: string } | { default: string; choices: readonly string[] | null; help: string };
type Values<S extends Record<string, OptionSpec>> = { [K in keyof S]: S[K]['default'] };

export class BenchArgsError extends Error {}

function usageText(description: string, spec: Record<string, OptionSpec>): string {
  const lines = Object.entries(spec).map(([name, o]) => {
    const kind = 'min' in o ? `N >= ${o.min}` : (o.choices?.join('|') ?? 'TEXT');
    return `  --${name} ${kind}`.padEnd(36) + ` ${o.help} (default ${o.default})`;
  });
  return `${description}\n\nOptions:\n${lines.join('\n')}\n  --help`;
}

/** Parses `argv` against `spec`; throws BenchArgsError on anything it cannot take as given. */
export function parseBenchArgs<S extends Record<string, OptionSpec>>(spec: S, argv: string[]): Values<S> | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])) },
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new BenchArgsError((e as Error).message);
  }
  if (parsed.help) return 'help';
  const out: Record<string, number | string> = {};
  for (const [name, o] of Object.entries(spec)) {
    const raw = parsed[name] as string | undefined;
    if ('min' in o) {
      const n = raw === undefined ? o.default : Number(raw);
      if (!Number.isSafeInteger(n) || n < o.min) throw new BenchArgsError(`--${name} needs a whole number >= ${o.min}, got ${raw}`);
      out[name] = n;
    } else {
      const v = raw ?? o.default;
      if (o.choices && !o.choices.includes(v)) throw new BenchArgsError(`--${name} is one of ${o.choices.join(', ')}, got ${v}`);
      out[name] = v;
    }
  }
  return out as Values<S>;
}

/** The script's options from process.argv; prints help and exits 0, or the error and usage and exits 2. */
export function benchArgs<S extends Record<string, OptionSpec>>(description: string, spec: S): Values<S> {
  try {
    const values = parseBenchArgs(spec, process.argv.slice(2));
    if (values !== 'help') return values;
    console.log(usageText(description, spec));
    process.exit(0);
  } catch (e) {
    if (!(e instanceof BenchArgsError)) throw e;
    console.error(`error: ${e.message}\n\n${usageText(description, spec)}`);
    process.exit(2);
  }
}
