// Word expansion of the econfig subset: parameters (with `set -u`), the
// environment macro and quote removal. The result keeps, per character, where
// it was written in the file (so a bad option points at its source) and
// whether it was quoted (quoted characters are never glob operators and never
// split fields).

import type { Word } from './ast.js';

/** A string with the source offset and quoting of each character. */
export interface Chars {
  readonly text: string;
  readonly origins: readonly number[];
  readonly quoted: readonly boolean[];
  /** Some quotes were present, so even an empty result is one field. */
  readonly hasQuotes: boolean;
}

/** A variable's value: its text and where each character was written (-1: predefined). */
export interface Value {
  readonly text: string;
  readonly origins: readonly number[];
  /** Offset of the assignment that set it (-1: predefined). */
  readonly assignedAt: number;
}

export class EvaluationError extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
  }
}

export interface ExpansionScope {
  readonly environment: number;
  lookup(name: string): Value | undefined;
}

class CharsBuilder {
  text = '';
  readonly origins: number[] = [];
  readonly quoted: boolean[] = [];
  hasQuotes = false;

  add(text: string, origins: readonly number[], quoted: boolean, fallbackOrigin: number): void {
    this.text += text;
    for (let i = 0; i < text.length; i++) {
      const origin = origins[i] ?? -1;
      this.origins.push(origin < 0 ? fallbackOrigin : origin);
      this.quoted.push(quoted);
    }
  }
}

/** Expands a word without field splitting (assignments, case subjects and patterns). */
export function expandWord(word: Word, scope: ExpansionScope): Chars {
  const out = new CharsBuilder();
  appendWord(out, word, scope, false);
  return { text: out.text, origins: out.origins, quoted: out.quoted, hasQuotes: out.hasQuotes };
}

function appendWord(out: CharsBuilder, word: Word, scope: ExpansionScope, forceQuoted: boolean): void {
  if (word.hasQuotes) out.hasQuotes = true;
  for (const part of word.parts) {
    const quoted = forceQuoted || part.quoted;
    switch (part.kind) {
      case 'text':
        out.add(part.text, part.origins, quoted, -1);
        break;
      case 'macro': {
        const digits = String(scope.environment);
        out.add(digits, [], quoted, part.offset);
        break;
      }
      case 'param': {
        const value = scope.lookup(part.name);
        const isSet = value !== undefined;
        const isNonEmpty = value !== undefined && value.text !== '';
        switch (part.op) {
          case undefined:
            if (!isSet) throw new EvaluationError(part.offset, `${part.name}: parameter not set`);
            out.add(value.text, value.origins, quoted, part.offset);
            break;
          case ':-':
          case '-':
            if (part.op === ':-' ? isNonEmpty : isSet) out.add(value!.text, value!.origins, quoted, part.offset);
            else appendWord(out, part.arg!, scope, quoted);
            break;
          case ':+':
          case '+':
            if (part.op === ':+' ? isNonEmpty : isSet) appendWord(out, part.arg!, scope, quoted);
            break;
        }
        break;
      }
    }
  }
}

/**
 * Expands a command argument with field splitting on unquoted blanks (from
 * expansions: unquoted literal blanks already separated the words). Pathname
 * expansion is never performed.
 */
export function expandFields(word: Word, scope: ExpansionScope): string[] {
  const chars = expandWord(word, scope);
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < chars.text.length; i++) {
    const ch = chars.text[i]!;
    if (!chars.quoted[i] && (ch === ' ' || ch === '\t' || ch === '\n')) {
      if (current !== '') fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') fields.push(current);
  if (fields.length === 0 && chars.hasQuotes) fields.push('');
  return fields;
}

/** sh pattern matching (case): unquoted `*`, `?` and `[...]` are operators; everything else is literal. */
export function matchPattern(subject: string, pattern: Chars): boolean {
  const p = pattern.text;
  // Dynamic programming over (subject position, pattern position): linear memory, no backtracking blow-up.
  let reachable = new Array<boolean>(subject.length + 1).fill(false);
  reachable[0] = true;
  for (let j = 0; j < p.length;) {
    const next = new Array<boolean>(subject.length + 1).fill(false);
    const operator = pattern.quoted[j] ? undefined : p[j];
    if (operator === '*') {
      let seen = false;
      for (let i = 0; i <= subject.length; i++) next[i] = seen ||= reachable[i]!;
      j++;
    } else {
      const bracket = operator === '[' ? parseBracket(pattern, j) : undefined;
      for (let i = 0; i < subject.length; i++) {
        if (!reachable[i]) continue;
        const ch = subject[i]!;
        const matches = operator === '?' ? true : bracket !== undefined ? bracket.matches(ch) : ch === p[j];
        if (matches) next[i + 1] = true;
      }
      j = bracket !== undefined ? bracket.end : j + 1;
    }
    reachable = next;
  }
  return reachable[subject.length]!;
}

/** `[...]` starting at `start`: a set with ranges and `!`/`^` negation; undefined when not closed (then `[` is literal). */
function parseBracket(pattern: Chars, start: number): { matches(ch: string): boolean; end: number } | undefined {
  const p = pattern.text;
  let i = start + 1;
  const negate = !pattern.quoted[i] && (p[i] === '!' || p[i] === '^');
  if (negate) i++;
  const items: [string, string][] = [];
  for (let first = true; i < p.length; first = false) {
    if (p[i] === ']' && !pattern.quoted[i] && !first) {
      return { matches: (ch) => items.some(([lo, hi]) => lo <= ch && ch <= hi) !== negate, end: i + 1 };
    }
    const lo = p[i]!;
    if (p[i + 1] === '-' && !pattern.quoted[i + 1] && i + 2 < p.length && !(p[i + 2] === ']' && !pattern.quoted[i + 2])) {
      items.push([lo, p[i + 2]!]);
      i += 3;
    } else {
      items.push([lo, lo]);
      i++;
    }
  }
  return undefined;
}
