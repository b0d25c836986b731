// Command-line parsing shared by every command: node's parseArgs in strict
// mode, with its errors turned into catalogued USAGE errors.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SippyError } from '../errors.js';
import { didYouMean } from '../econfig/option-suggestion.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/**
 * The options each command declared, as `--name` and `-x`, recorded when it
 * parses (its --help too): what the test that keeps --help, README and the
 * man page complete compares them with.
 */
const declared = new Map<string, readonly DeclaredOption[]>();

export interface DeclaredOption {
  readonly long: string;
  readonly short: string | undefined;
}

export function declaredOptions(command: string): readonly DeclaredOption[] | undefined {
  return declared.get(command);
}

export function parseCommandLine(command: string, argv: readonly string[], options: OptionSpec, allowPositionals = false): Parsed {
  declared.set(command, Object.entries(options).map(([name, option]) => ({ long: `--${name}`, short: option.short === undefined ? undefined : `-${option.short}` })));
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return { values, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    const unknown = /^Unknown option '(--[^'=]+)/.exec(message)?.[1];
    if (unknown !== undefined) {
      const suggestion = didYouMean(unknown, Object.keys(options).map((name) => `--${name}`));
      throw new SippyError('USAGE', `${command}: ${message}${suggestion}; see sippy_routed ${command} --help`);
    }
    throw new SippyError('USAGE', `${command}: ${message}; see sippy_routed ${command} --help`);
  }
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A whole-number option in min..max (USAGE otherwise), or undefined when not
 * given. Timers bound the maxima: Node fires a timer of more than 2^31-1 ms
 * after 1 ms.
 */
export function integerOption(command: string, name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new SippyError('USAGE', `${command}: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}
