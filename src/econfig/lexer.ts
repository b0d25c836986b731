// Tokens of the econfig sh subset: words (with their parts and quoting),
// newlines and operators. Constructs that can be recognised from characters
// alone are rejected here, by name, and the scanner skips them so that the
// rest of the file is still checked: `$(...)`, `$((...))`, backticks,
// unsupported `${...}` forms, special parameters, unknown macros, tilde
// expansion, unterminated quotes. Here-document bodies are skipped whole.

import type { SourceProblem, Word, WordPart } from './ast.js';

export type Operator = ';' | ';;' | '&&' | '||' | '|' | '&' | '(' | ')' | '<' | '>' | '<<';

export type Token =
  | { readonly kind: 'word'; readonly word: Word; readonly offset: number }
  | { readonly kind: 'newline'; readonly offset: number }
  | { readonly kind: 'op'; readonly op: Operator; readonly offset: number }
  | { readonly kind: 'eof'; readonly offset: number };

export const MACRO = 'I_ENVIRONMENT';
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const BLANK = new Set([' ', '\t']);
const OPERATOR_START = new Set([';', '&', '|', '(', ')', '<', '>']);
const SPECIAL_PARAM = /[0-9@*#?$!-]/;
/** Deeper `${a:-${b:-...}}` nesting is refused, so no input can exhaust the stack. */
const MAX_BRACE_DEPTH = 32;

/** Accumulates the parts of one word: adjacent literal characters of the same quoting are merged. */
class WordBuilder {
  readonly parts: WordPart[] = [];
  hasQuotes = false;
  private text = '';
  private origins: number[] = [];
  private quoted = false;

  char(ch: string, offset: number, quoted: boolean): void {
    if (this.text !== '' && quoted !== this.quoted) this.flush();
    this.quoted = quoted;
    this.text += ch;
    this.origins.push(offset);
  }

  part(part: WordPart): void {
    this.flush();
    this.parts.push(part);
  }

  flush(): void {
    if (this.text === '') return;
    this.parts.push({ kind: 'text', text: this.text, quoted: this.quoted, origins: this.origins });
    this.text = '';
    this.origins = [];
  }

  build(offset: number, raw: string): Word {
    this.flush();
    return { offset, raw, parts: this.parts, hasQuotes: this.hasQuotes };
  }
}

export class Lexer {
  private pos = 0;
  private readonly tokens: Token[] = [];
  /** Here-document delimiters whose bodies start after the next newline. */
  private pendingHeredocs: string[] = [];
  private expectHeredocDelimiter = false;
  private braceDepth = 0;

  constructor(private readonly text: string, private readonly problems: SourceProblem[]) {}

  tokenize(): Token[] {
    for (;;) {
      this.skipBlanks();
      if (this.pos >= this.text.length) break;
      const ch = this.text[this.pos]!;
      const start = this.pos;
      if (ch === '#') {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else if (ch === '\n') {
        this.pos++;
        this.tokens.push({ kind: 'newline', offset: start });
        this.skipHeredocBodies();
      } else if (OPERATOR_START.has(ch)) {
        this.tokens.push({ kind: 'op', op: this.operator(), offset: start });
      } else {
        const word = this.word(start);
        if (this.expectHeredocDelimiter) {
          this.expectHeredocDelimiter = false;
          this.pendingHeredocs.push(word.parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''));
        }
        this.tokens.push({ kind: 'word', word, offset: start });
      }
    }
    this.tokens.push({ kind: 'eof', offset: this.text.length });
    return this.tokens;
  }

  private problem(offset: number, message: string): void {
    this.problems.push({ offset, message });
  }

  private skipBlanks(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch !== undefined && BLANK.has(ch)) this.pos++;
      else if (ch === '\\' && this.text[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  private operator(): Operator {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '<<') {
      this.pos += this.text[this.pos + 2] === '-' ? 3 : 2;
      this.expectHeredocDelimiter = true;
      return '<<';
    }
    // `>>`, `>&`, `<&`, `<>`, `>|` are all redirections: one token is enough to reject them.
    if (/^(>>|>&|<&|<>|>\|)$/.test(two)) {
      this.pos += 2;
      return two[0] as Operator;
    }
    if (two === ';;' || two === '&&' || two === '||') {
      this.pos += 2;
      return two;
    }
    this.pos++;
    return this.text[this.pos - 1] as Operator;
  }

  /** After a newline, skips the bodies of here-documents opened on the line (already rejected by the parser). */
  private skipHeredocBodies(): void {
    while (this.pendingHeredocs.length > 0) {
      const delimiter = this.pendingHeredocs.shift()!;
      while (this.pos < this.text.length) {
        let end = this.text.indexOf('\n', this.pos);
        if (end < 0) end = this.text.length;
        const line = this.text.slice(this.pos, end).replace(/^\t+/, '');
        this.pos = Math.min(end + 1, this.text.length);
        if (line === delimiter) break;
      }
    }
  }

  /** An unquoted word, up to a blank, newline or operator character. */
  private word(start: number): Word {
    const builder = new WordBuilder();
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (BLANK.has(ch) || ch === '\n' || OPERATOR_START.has(ch)) break;
      if (ch === '~' && (this.pos === start || /^[A-Za-z_][A-Za-z0-9_]*=$/.test(this.text.slice(start, this.pos)))) {
        this.problem(this.pos, 'tilde expansion (~) is not supported; write the path out');
        this.pos++;
        continue;
      }
      this.wordChar(builder, false);
    }
    return builder.build(start, this.text.slice(start, this.pos));
  }

  /**
   * Consumes one unit of a word (a character, a quoted string, an escape or
   * an expansion) into `builder`. `inDouble`: inside "...".
   */
  private wordChar(builder: WordBuilder, inDouble: boolean): void {
    const ch = this.text[this.pos]!;
    const at = this.pos;
    if (ch === '\\') {
      const next = this.text[at + 1];
      if (next === '\n') {
        this.pos += 2;
      } else if (next === undefined) {
        builder.char('\\', at, inDouble);
        this.pos++;
      } else if (!inDouble || '$`"\\'.includes(next)) {
        builder.hasQuotes = true;
        builder.char(next, at + 1, true);
        this.pos += 2;
      } else {
        builder.char('\\', at, true);
        this.pos++;
      }
    } else if (ch === "'" && !inDouble) {
      this.singleQuoted(builder);
    } else if (ch === '"' && !inDouble) {
      this.doubleQuoted(builder);
    } else if (ch === '$') {
      this.dollar(builder, inDouble);
    } else if (ch === '`') {
      this.problem(at, 'command substitution with backticks (`...`) is not supported');
      const close = this.text.indexOf('`', at + 1);
      this.pos = close < 0 ? this.text.length : close + 1;
    } else if (ch === '%' && this.macro(builder, inDouble)) {
      // consumed
    } else {
      builder.char(ch, at, inDouble);
      this.pos++;
    }
  }

  private singleQuoted(builder: WordBuilder): void {
    const open = this.pos;
    builder.hasQuotes = true;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== "'") {
      if (!(this.text[this.pos] === '%' && this.macro(builder, true))) {
        builder.char(this.text[this.pos]!, this.pos, true);
        this.pos++;
      }
    }
    if (this.pos >= this.text.length) this.problem(open, 'unterminated single quote');
    else this.pos++;
  }

  private doubleQuoted(builder: WordBuilder): void {
    const open = this.pos;
    builder.hasQuotes = true;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.wordChar(builder, true);
    if (this.pos >= this.text.length) this.problem(open, 'unterminated double quote');
    else this.pos++;
  }

  /** `%%NAME%%`: the environment macro, or an unknown-macro error. False when the text is no macro. */
  private macro(builder: WordBuilder, quoted: boolean): boolean {
    const match = /^%%([A-Z_]+)%%/.exec(this.text.slice(this.pos, this.pos + 64));
    if (match === null) return false;
    if (match[1] === MACRO) builder.part({ kind: 'macro', quoted, offset: this.pos });
    else this.problem(this.pos, `unknown macro %%${match[1]}%% (only %%${MACRO}%% is defined)`);
    this.pos += match[0].length;
    return true;
  }

  private dollar(builder: WordBuilder, inDouble: boolean): void {
    const at = this.pos;
    const next = this.text[at + 1];
    if (next === '(') {
      const arithmetic = this.text[at + 2] === '(';
      this.problem(at, arithmetic ? 'arithmetic expansion $((...)) is not supported' : 'command substitution $(...) is not supported');
      this.skipBalanced(at + 1, '(', ')');
    } else if (next === '{') {
      this.braced(builder, inDouble);
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = at + 1;
      while (end < this.text.length && NAME_CHAR.test(this.text[end]!)) end++;
      builder.part({ kind: 'param', name: this.text.slice(at + 1, end), op: undefined, arg: undefined, quoted: inDouble, offset: at });
      this.pos = end;
    } else if (next !== undefined && SPECIAL_PARAM.test(next)) {
      this.problem(at, `special parameter $${next} is not supported`);
      this.pos += 2;
    } else {
      // A lone `$` is literal in sh.
      builder.char('$', at, inDouble);
      this.pos++;
    }
  }

  /** `${NAME}`, `${NAME:-WORD}`, `${NAME-WORD}`, `${NAME:+WORD}`, `${NAME+WORD}`; other forms are rejected. */
  private braced(builder: WordBuilder, inDouble: boolean): void {
    const at = this.pos;
    if (this.braceDepth >= MAX_BRACE_DEPTH) {
      this.problem(at, `\${...} nested deeper than ${MAX_BRACE_DEPTH} levels`);
      this.skipBalanced(at + 1, '{', '}');
      return;
    }
    this.braceDepth++;
    try {
      this.bracedExpansion(builder, inDouble, at);
    } finally {
      this.braceDepth--;
    }
  }

  private bracedExpansion(builder: WordBuilder, inDouble: boolean, at: number): void {
    let p = at + 2;
    while (p < this.text.length && NAME_CHAR.test(this.text[p]!)) p++;
    const name = this.text.slice(at + 2, p);
    const rest = this.text.slice(p, p + 2);
    const op = (['}', ':-', ':+', '-', '+'] as const).find((o) => rest.startsWith(o));
    if (name === '' || !NAME_START.test(name[0]!) || op === undefined) {
      this.problem(at, `parameter expansion ${describeBraced(this.text, at)} is not supported (only \${NAME}, \${NAME:-WORD}, \${NAME-WORD}, \${NAME:+WORD}, \${NAME+WORD})`);
      this.skipBalanced(at + 1, '{', '}');
      return;
    }
    if (op === '}') {
      builder.part({ kind: 'param', name, op: undefined, arg: undefined, quoted: inDouble, offset: at });
      this.pos = p + 1;
      return;
    }
    this.pos = p + op.length;
    const argStart = this.pos;
    const argBuilder = new WordBuilder();
    while (this.pos < this.text.length && this.text[this.pos] !== '}') {
      // Nested double quotes inside a double-quoted ${...} are not supported: the quote ends the scan.
      if (inDouble && this.text[this.pos] === '"') break;
      // Blanks, newlines and operator characters are literal in the WORD of ${NAME:-WORD}.
      this.wordChar(argBuilder, inDouble);
    }
    if (this.text[this.pos] !== '}') {
      this.problem(at, this.pos < this.text.length ? 'double quotes nested inside "${...}" are not supported' : 'unterminated ${...}');
      return;
    }
    const arg = argBuilder.build(argStart, this.text.slice(argStart, this.pos));
    this.pos++;
    builder.part({ kind: 'param', name, op, arg, quoted: inDouble, offset: at });
  }

  /** Skips from `open` (an opening bracket) to its matching close, or to the end of the file. */
  private skipBalanced(open: number, opening: string, closing: string): void {
    let depth = 0;
    let p = open;
    for (; p < this.text.length; p++) {
      const ch = this.text[p];
      if (ch === opening) depth++;
      else if (ch === closing && --depth === 0) break;
    }
    this.pos = Math.min(p + 1, this.text.length);
  }
}

function describeBraced(text: string, at: number): string {
  const close = text.indexOf('}', at);
  const end = close < 0 || close - at > 40 ? Math.min(at + 12, text.length) : close + 1;
  const shown = text.slice(at, end).replace(/\n[\s\S]*$/, '');
  return close === end - 1 ? shown : `${shown}...`;
}
