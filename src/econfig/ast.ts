// The econfig syntax tree. Every node carries the character offset where it
// starts in the file; `SourceText` turns offsets into line:column for
// messages. Words keep their parts (literal text, `${...}` expansions,
// `%%MACRO%%`) with the quoting they had, because quoting decides field
// splitting and which characters of a case pattern are glob operators.

/** A word part; `quoted` is true inside '...', "..." or after a backslash. */
export type WordPart =
  | { readonly kind: 'text'; readonly text: string; readonly quoted: boolean; /** offset of each character */ readonly origins: readonly number[] }
  | { readonly kind: 'param'; readonly name: string; readonly op: ParamOp | undefined; readonly arg: Word | undefined; readonly quoted: boolean; readonly offset: number }
  | { readonly kind: 'macro'; readonly quoted: boolean; readonly offset: number };

/** The supported `${NAME<op>WORD}` forms. */
export type ParamOp = ':-' | '-' | ':+' | '+';

export interface Word {
  readonly offset: number;
  /** The source text of the word, for messages and keyword recognition. */
  readonly raw: string;
  readonly parts: readonly WordPart[];
  /** True when some part of the word was quoted ('', "", \c), even if empty. */
  readonly hasQuotes: boolean;
}

export interface Assignment {
  readonly name: string;
  readonly value: Word;
  readonly offset: number;
}

export type Statement =
  | { readonly kind: 'assign'; readonly assignments: readonly Assignment[]; readonly offset: number }
  | { readonly kind: 'noop'; readonly args: readonly Word[]; readonly offset: number }
  | { readonly kind: 'if'; readonly branches: readonly IfBranch[]; readonly elseBody: readonly Statement[] | undefined; readonly offset: number }
  | { readonly kind: 'case'; readonly subject: Word; readonly items: readonly CaseItem[]; readonly offset: number };

export interface IfBranch {
  readonly condition: Condition;
  readonly body: readonly Statement[];
}

export interface CaseItem {
  readonly patterns: readonly Word[];
  readonly body: readonly Statement[];
}

/** One test command, possibly negated with `!`. */
export interface TestCommand {
  /** The operands, without `test`/`[` and `]`. */
  readonly args: readonly Word[];
  readonly negated: boolean;
  readonly offset: number;
}

/**
 * An if condition: test commands joined by && and || (equal precedence, left
 * to right, as in sh). Kept flat so that no chain length can exhaust the stack.
 */
export interface Condition {
  readonly first: TestCommand;
  readonly rest: readonly { readonly op: '&&' | '||'; readonly test: TestCommand }[];
}

/** A problem found at one place in the file, before line:column is known. */
export interface SourceProblem {
  readonly offset: number;
  readonly message: string;
}

/** Offsets to 1-based line and column (columns count UTF-16 code units, a tab is one). */
export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: at - this.lineStarts[low]! + 1 };
  }
}
