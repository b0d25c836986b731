// Number translation rules (routing.md, "Translation rules"): a `;`-separated
// list of sed-style substitutions `s<d>REGEX<d>REPLACEMENT<d>[g]`, applied in
// order. Pure: parse once, apply many times.
//
// Syntax, exactly:
// - `<d>` is one ASCII punctuation character other than backslash and `;`
//   (`/`, `|`, `#`, ...); the same character closes REGEX and REPLACEMENT.
// - Inside REGEX a backslash escapes the next character; `\<d>` stands for the
//   delimiter character taken literally. REGEX is a JavaScript regular
//   expression (no flags but `g`).
// - Inside REPLACEMENT: `\1`..`\9` insert a group (empty if it did not take
//   part), `&` the whole match, `\&` a literal `&`, `\\` a backslash, `\<d>`
//   the delimiter; any other backslash escape is an error. `$` is literal.
// - The only flag is `g` (replace every match; default the first only).
// - Whitespace around the `;` separators is ignored; an empty or NULL rule is
//   the identity. Rules over MAX_RULE_LENGTH characters are refused.
//
// Catastrophic backtracking: numbers are at most 64 characters and rules at
// most 255, which bounds but does not remove the risk of a pattern such as
// `(a+)+b`. Patterns that quantify a group which itself ends in a quantifier
// are refused; other pathological patterns remain the operator's
// responsibility (docs/routing.md).

import { MAX_RULE_CHARS, TRANSLATION_RULES_CACHED } from '../../limits.js';

export const MAX_RULE_LENGTH = MAX_RULE_CHARS;

type ReplacementPart = { readonly literal: string } | { readonly group: number };

interface Substitution {
  readonly regex: RegExp;
  readonly replacement: readonly ReplacementPart[];
}

export interface TranslationRule {
  readonly source: string;
  readonly substitutions: readonly Substitution[];
}

export class RuleSyntaxError extends Error {
  constructor(rule: string, position: number, problem: string) {
    super(`translation rule ${JSON.stringify(rule)}, character ${position + 1}: ${problem}`);
    this.name = 'RuleSyntaxError';
  }
}

const DELIMITER = /^[!-/:-@[-`{-~]$/;
// A group whose last token is a quantifier, itself quantified: (a+)+, (\d*)*, (x{2,})+ ...
const NESTED_QUANTIFIER = /([+*}]|\{\d*,\d*\})\)[+*{]/;

/** Parses a rule; throws RuleSyntaxError naming the position and problem. */
export function parseRule(rule: string | null): TranslationRule {
  const source = rule ?? '';
  if (source.length > MAX_RULE_LENGTH) throw new RuleSyntaxError(source, MAX_RULE_LENGTH, `longer than ${MAX_RULE_LENGTH} characters`);
  const substitutions: Substitution[] = [];
  let i = skipSpaces(source, 0);
  while (i < source.length) {
    const start = i;
    if (source[i] !== 's') throw new RuleSyntaxError(source, i, "expected 's' to start a substitution");
    const delimiter = source[i + 1];
    if (delimiter === undefined) throw new RuleSyntaxError(source, i + 1, 'missing delimiter after s');
    if (!DELIMITER.test(delimiter) || delimiter === '\\' || delimiter === ';') throw new RuleSyntaxError(source, i + 1, `${JSON.stringify(delimiter)} cannot be a delimiter`);
    const pattern = readPart(source, i + 2, delimiter, 'regular expression');
    const replacement = readPart(source, pattern.end + 1, delimiter, 'replacement');
    i = replacement.end + 1;
    let global = false;
    while (i < source.length && source[i] !== ';' && !/\s/.test(source[i]!)) {
      if (source[i] !== 'g' || global) throw new RuleSyntaxError(source, i, `unknown or repeated flag ${JSON.stringify(source[i])} (only g is allowed)`);
      global = true;
      i++;
    }
    i = skipSpaces(source, i);
    if (i < source.length) {
      if (source[i] !== ';') throw new RuleSyntaxError(source, i, "expected ';' between substitutions");
      i = skipSpaces(source, i + 1);
      if (i >= source.length) throw new RuleSyntaxError(source, i, "nothing after ';'");
    }
    substitutions.push(compile(source, start, pattern.text, replacement.text, delimiter, global));
  }
  return Object.freeze({ source, substitutions: Object.freeze(substitutions) });
}

/** Applies a parsed rule to a number. */
export function applyRule(rule: TranslationRule, value: string): string {
  // Most connections have no rule: no iterator per call on the hot path.
  if (rule.substitutions.length === 0) return value;
  let result = value;
  for (const { regex, replacement } of rule.substitutions) {
    regex.lastIndex = 0;
    result = result.replace(regex, (...args: unknown[]) => {
      let out = '';
      for (const part of replacement) {
        out += 'literal' in part ? part.literal : ((args[part.group] as string | undefined) ?? '');
      }
      return out;
    });
  }
  return result;
}

/**
 * Parsed rules by their text, bounded: when full, the oldest half is dropped.
 * A rule that does not parse is cached as its error, so a bad rule costs one
 * parse, not one per request.
 */
export class RuleCache {
  private readonly entries = new Map<string, TranslationRule | RuleSyntaxError>();
  constructor(private readonly capacity = TRANSLATION_RULES_CACHED) {}

  get(rule: string | null): TranslationRule | RuleSyntaxError {
    const key = rule ?? '';
    let entry = this.entries.get(key);
    if (entry === undefined) {
      try {
        entry = parseRule(key);
      } catch (err) {
        if (!(err instanceof RuleSyntaxError)) throw err;
        entry = err;
      }
      if (this.entries.size >= this.capacity) this.evictOldestHalf();
      this.entries.set(key, entry);
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldestHalf(): void {
    let drop = Math.ceil(this.entries.size / 2);
    for (const key of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(key);
    }
  }
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Reads up to the next unescaped delimiter; escapes are kept as written. */
function readPart(source: string, from: number, delimiter: string, what: string): { text: string; end: number } {
  let i = from;
  while (i < source.length && source[i] !== delimiter) {
    i += source[i] === '\\' ? 2 : 1;
  }
  if (i >= source.length) throw new RuleSyntaxError(source, source.length, `unterminated ${what} (missing closing ${JSON.stringify(delimiter)})`);
  return { text: source.slice(from, i), end: i };
}

function compile(source: string, at: number, pattern: string, replacementText: string, delimiter: string, global: boolean): Substitution {
  if (pattern === '') throw new RuleSyntaxError(source, at, 'empty regular expression');
  if (NESTED_QUANTIFIER.test(pattern)) {
    throw new RuleSyntaxError(source, at, 'nested quantifier (a quantified group ending in a quantifier) risks catastrophic backtracking');
  }
  let regex: RegExp;
  try {
    // `\<d>` is kept: in a JavaScript pattern (without the u flag) an escaped
    // punctuation character is that character, literally.
    regex = new RegExp(pattern, global ? 'g' : '');
  } catch (err) {
    throw new RuleSyntaxError(source, at, `bad regular expression: ${(err as Error).message}`);
  }
  const groups = new RegExp(`${pattern}|`).exec('')!.length - 1;
  return { regex, replacement: parseReplacement(source, at, replacementText, delimiter, groups) };
}

function parseReplacement(source: string, at: number, text: string, delimiter: string, groups: number): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal !== '') parts.push({ literal });
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '&') {
      flush();
      parts.push({ group: 0 });
    } else if (c === '\\') {
      const next = text[++i]!;
      if (next >= '1' && next <= '9') {
        const group = Number(next);
        if (group > groups) throw new RuleSyntaxError(source, at, `replacement refers to group \\${group} but the expression has ${groups}`);
        flush();
        parts.push({ group });
      } else if (next === '&' || next === '\\' || next === delimiter) {
        literal += next;
      } else {
        throw new RuleSyntaxError(source, at, `unknown escape \\${next} in replacement (use \\1-\\9, \\&, \\\\ or \\${delimiter})`);
      }
    } else {
      literal += c;
    }
  }
  flush();
  return parts;
}
