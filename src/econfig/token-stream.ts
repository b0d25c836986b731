// The parser's view of the token list: look-ahead, reserved words, and the
// skipping used to recover after a rejected construct so that the rest of
// the file is still checked.

import type { SourceProblem, Word } from './ast.js';
import type { Operator, Token } from './lexer.js';

export const LOOP_KEYWORDS = new Set(['for', 'while', 'until', 'select']);

/** The word as a reserved word or command name: only when it is plain unquoted text. */
export function keyword(word: Word): string | undefined {
  const [only, ...rest] = word.parts;
  return only !== undefined && rest.length === 0 && only.kind === 'text' && !only.quoted ? only.text : undefined;
}

export class TokenStream {
  private index = 0;

  constructor(private readonly tokens: readonly Token[], private readonly problems: SourceProblem[]) {}

  protected peek(): Token {
    return this.tokens[this.index]!;
  }

  protected next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  protected problem(offset: number, message: string): void {
    this.problems.push({ offset, message });
  }

  protected isOp(op: Operator, token = this.peek()): boolean {
    return token.kind === 'op' && token.op === op;
  }

  protected peekKeyword(): string | undefined {
    const token = this.peek();
    return token.kind === 'word' ? keyword(token.word) : undefined;
  }

  protected skipNewlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }

  /** Skips to the end of the current command (newline, `;`, `;;` or end of file), not consuming it. */
  protected syncToSeparator(): void {
    for (let token = this.peek(); ; token = this.peek()) {
      if (token.kind === 'eof' || token.kind === 'newline' || this.isOp(';', token) || this.isOp(';;', token)) return;
      this.next();
    }
  }

  /** Skips to the reserved word `word` (not consuming it) or the end of the file. */
  protected skipTo(word: string): void {
    while (this.peek().kind !== 'eof' && this.peekKeyword() !== word) this.next();
  }

  /** Skips a rejected compound command up to its matching closing word (nesting counted). */
  protected skipGroup(open: string, close: string): void {
    let depth = 1;
    for (let token = this.peek(); token.kind !== 'eof'; token = this.peek()) {
      this.next();
      const word = token.kind === 'word' ? keyword(token.word) : token.kind === 'op' ? token.op : undefined;
      if (word === close && --depth === 0) return;
      if (word === open || (close === 'done' && word !== undefined && LOOP_KEYWORDS.has(word))) depth++;
    }
  }

  /** After `name` or `function name`: skips `()` and the body. */
  protected skipFunctionBody(): void {
    while (this.peek().kind !== 'eof' && this.peekKeyword() !== '{') {
      const token = this.next();
      if (token.kind === 'op' && token.op === ')') {
        this.skipNewlines();
        break;
      }
    }
    if (this.peekKeyword() === '{') {
      this.next();
      this.skipGroup('{', '}');
    } else if (this.isOp('(')) {
      this.next();
      this.skipGroup('(', ')');
    }
  }
}

export function describe(token: Token): string {
  switch (token.kind) {
    case 'eof': return 'end of file';
    case 'newline': return 'newline';
    case 'op': return `'${token.op}'`;
    case 'word': return `'${token.word.raw}'`;
  }
}
