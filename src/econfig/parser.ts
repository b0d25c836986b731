// Statements of the econfig sh subset, from tokens. The parser never gives
// up at the first problem: a rejected construct is reported by name and
// skipped (to the end of its command, or over its whole body for loops,
// groups, subshells and functions), and parsing goes on.

import type { Assignment, CaseItem, Condition, IfBranch, SourceProblem, Statement, TestCommand, Word } from './ast.js';
import { Lexer, type Token } from './lexer.js';
import { describe, keyword, LOOP_KEYWORDS, TokenStream } from './token-stream.js';

export interface ParsedFile {
  readonly statements: readonly Statement[];
  readonly problems: readonly SourceProblem[];
}

/** Deeper nesting of if/case is refused, so no input can exhaust the stack. */
const MAX_DEPTH = 64;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const NAMED_REJECTS = new Set(['export', '.', 'source', 'eval', 'readonly', 'local', 'unset', 'exec', 'set']);

export function parseEconfig(text: string): ParsedFile {
  const problems: SourceProblem[] = [];
  const tokens = new Lexer(text, problems).tokenize();
  const statements = new Parser(tokens, problems).program();
  problems.sort((a, b) => a.offset - b.offset);
  return { statements, problems };
}

class Parser extends TokenStream {
  private depth = 0;

  program(): Statement[] {
    const statements = this.list(new Set());
    while (this.peek().kind !== 'eof') {
      // A terminator with nothing open (`fi`, `esac`, `;;`, `)`): report and go on.
      const token = this.next();
      this.problem(token.offset, `unexpected ${describe(token)}`);
      statements.push(...this.list(new Set()));
    }
    return statements;
  }

  /** Commands up to one of `terminators` (reserved words), `;;`, `)` or end of file. */
  private list(terminators: ReadonlySet<string>): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token.kind === 'eof' || this.isOp(';;') || this.isOp(')')) return statements;
      const word = this.peekKeyword();
      if (word !== undefined && terminators.has(word)) return statements;
      if (word !== undefined && ['then', 'elif', 'else', 'fi', 'esac', 'do', 'done', '}', 'in'].includes(word)) {
        this.next();
        this.problem(token.offset, `unexpected '${word}'`);
        continue;
      }
      const statement = this.command();
      if (statement !== undefined) statements.push(statement);
      this.endOfCommand();
    }
  }

  /** After a command: a separator, or a rejected pipe/&/&&/|| (the rest is parsed and dropped). */
  private endOfCommand(): void {
    for (;;) {
      const token = this.peek();
      if (token.kind === 'eof' || token.kind === 'newline' || this.isOp(';;') || this.isOp(')')) return;
      if (this.isOp(';')) {
        this.next();
        return;
      }
      if (token.kind === 'word') {
        const word = this.peekKeyword();
        if (word !== undefined && ['then', 'elif', 'else', 'fi', 'esac', 'do', 'done'].includes(word)) {
          this.problem(token.offset, `'${word}' must follow a newline or ';'`);
          return;
        }
        this.problem(token.offset, `unexpected word '${token.word.raw}' after the command`);
        this.syncToSeparator();
        continue;
      }
      this.next();
      const op = token.kind === 'op' ? token.op : undefined;
      if (op === '&') {
        // `&` also ends the command, like `;`: what follows is checked as usual.
        this.problem(token.offset, 'background commands (&) are not supported');
        return;
      }
      if (op === '|') this.problem(token.offset, 'pipes (|) are not supported');
      else if (op === '&&' || op === '||') this.problem(token.offset, `${op} is only supported between test commands in an if condition`);
      else if (op === '<' || op === '>') this.problem(token.offset, 'redirections are not supported');
      else if (op === '<<') this.problem(token.offset, 'here-documents (<<) are not supported');
      else this.problem(token.offset, `unexpected ${describe(token)}`);
      // The rest of a rejected pipeline or and-or list is dropped unchecked.
      this.syncToSeparator();
    }
  }

  /** One command at command position; undefined when it was rejected (and already reported). */
  private command(): Statement | undefined {
    const token = this.peek();
    if (token.kind === 'op') {
      this.next();
      if (token.op === '(') {
        this.problem(token.offset, 'subshells ( ... ) are not supported');
        this.skipGroup('(', ')');
      } else {
        this.problem(token.offset, `unexpected ${describe(token)}`);
      }
      return undefined;
    }
    if (token.kind !== 'word') return undefined;
    const word = keyword(token.word);
    if (word === 'if' || word === 'case') {
      if (this.depth >= MAX_DEPTH) {
        this.problem(token.offset, `if/case nested deeper than ${MAX_DEPTH} levels`);
        this.skipGroup(word, word === 'if' ? 'fi' : 'esac');
        return undefined;
      }
      this.depth++;
      try {
        return word === 'if' ? this.ifClause() : this.caseClause();
      } finally {
        this.depth--;
      }
    }
    if (word !== undefined && LOOP_KEYWORDS.has(word)) {
      this.next();
      this.problem(token.offset, `loops ('${word}') are not supported`);
      this.skipGroup(word, 'done');
      return undefined;
    }
    if (word === '{') {
      this.next();
      this.problem(token.offset, 'command groups { ... } are not supported');
      this.skipGroup('{', '}');
      return undefined;
    }
    if (word === 'function') {
      this.next();
      this.problem(token.offset, 'functions are not supported');
      this.skipFunctionBody();
      return undefined;
    }
    if (word === '!') {
      this.problem(token.offset, '! is only supported in an if condition');
      this.syncToSeparator();
      return undefined;
    }
    return this.simpleCommand();
  }

  private simpleCommand(): Statement | undefined {
    const first = this.peek();
    const assignments: Assignment[] = [];
    const words: Word[] = [];
    let rejected = false;
    for (let token = this.peek(); ; token = this.peek()) {
      if (token.kind === 'word') {
        this.next();
        const match = words.length === 0 ? ASSIGNMENT.exec(token.word.raw) : null;
        if (match !== null) assignments.push(assignmentOf(token.word, match[1]!));
        else words.push(token.word);
      } else if (token.kind === 'op' && (token.op === '<' || token.op === '>' || token.op === '<<')) {
        this.next();
        this.problem(token.offset, token.op === '<<' ? 'here-documents (<<) are not supported' : 'redirections are not supported');
        if (this.peek().kind === 'word') this.next();
        rejected = true;
      } else if (this.isOp('(', token) && words.length === 1 && assignments.length === 0) {
        this.problem(words[0]!.offset, 'functions are not supported');
        this.skipFunctionBody();
        return undefined;
      } else {
        break;
      }
    }
    if (rejected) return undefined;
    const [name, ...args] = words;
    if (name === undefined) return { kind: 'assign', assignments, offset: first.offset };
    const command = keyword(name);
    if (command === ':' || command === 'true') {
      if (assignments.length > 0) {
        this.problem(first.offset, `assignments before a command ('${command}') are not supported; put them on their own`);
        return undefined;
      }
      return { kind: 'noop', args, offset: name.offset };
    }
    if (command === 'test' || command === '[') {
      this.problem(name.offset, 'a test command is only supported as an if condition');
    } else if (command !== undefined && NAMED_REJECTS.has(command)) {
      this.problem(name.offset, `'${command}' is not supported`);
    } else {
      this.problem(name.offset, `command '${name.raw}' is not supported (only assignments, if, case, ':' and 'true')`);
    }
    return undefined;
  }

  /** `if LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi` */
  private ifClause(): Statement | undefined {
    const start = this.next().offset;
    const branches: IfBranch[] = [];
    let elseBody: Statement[] | undefined;
    let ok = true;
    for (let more = true; more;) {
      const condition = this.condition();
      ok &&= condition !== undefined;
      if (!this.expectKeyword('then', start, 'if')) {
        this.skipGroup('if', 'fi');
        return undefined;
      }
      const body = this.list(new Set(['elif', 'else', 'fi']));
      if (condition !== undefined) branches.push({ condition, body });
      more = this.peekKeyword() === 'elif';
      if (more) this.next();
    }
    if (this.peekKeyword() === 'else') {
      this.next();
      elseBody = this.list(new Set(['fi']));
    }
    if (!this.expectKeyword('fi', start, 'if')) return undefined;
    return ok ? { kind: 'if', branches, elseBody, offset: start } : undefined;
  }

  private expectKeyword(expected: string, openedAt: number, opener: string): boolean {
    this.skipNewlines();
    if (this.peekKeyword() === expected) {
      this.next();
      return true;
    }
    const token = this.peek();
    this.problem(token.kind === 'eof' ? openedAt : token.offset, token.kind === 'eof' ? `'${opener}' is not closed by '${expected}'` : `expected '${expected}', got ${describe(token)}`);
    return false;
  }

  /** A condition: `[!] test-command` joined by && and ||, then a separator before `then`. */
  private condition(): Condition | undefined {
    const first = this.negatedTest();
    const rest: { op: '&&' | '||'; test: TestCommand }[] = [];
    let ok = first !== undefined;
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.next() as Extract<Token, { kind: 'op' }>).op as '&&' | '||';
      this.skipNewlines();
      const test = this.negatedTest();
      if (test === undefined) ok = false;
      else rest.push({ op, test });
    }
    const token = this.peek();
    if (this.isOp(';') || token.kind === 'newline') {
      this.next();
      this.skipNewlines();
    } else {
      this.problem(token.offset, token.kind === 'word' && keyword(token.word) === 'then'
        ? "'then' must follow a newline or ';'"
        : `an if condition must be test commands joined by && or ||, got ${describe(token)}`);
      this.skipTo('then');
      return undefined;
    }
    if (this.peekKeyword() !== 'then' && this.peek().kind === 'word') {
      this.problem(this.peek().offset, 'an if condition must be a single test command (or tests joined by && and ||)');
      this.skipTo('then');
      return undefined;
    }
    return ok ? { first: first!, rest } : undefined;
  }

  private negatedTest(): TestCommand | undefined {
    let negated = false;
    for (; this.peekKeyword() === '!'; negated = !negated) this.next();
    const token = this.peek();
    const args = this.testArguments();
    return args === undefined ? undefined : { args, negated, offset: token.offset };
  }

  /** The operands of `[ ... ]` or `test ...`. */
  private testArguments(): Word[] | undefined {
    const token = this.peek();
    const words: Word[] = [];
    // `[ ... ]` ends at its `]`, so a missing separator before `then` is reported as such.
    while (this.peek().kind === 'word' && !(words.length > 0 && keyword(words[0]!) === '[' && keyword(words[words.length - 1]!) === ']')) {
      words.push((this.next() as Extract<Token, { kind: 'word' }>).word);
    }
    const name = words[0] === undefined ? undefined : keyword(words[0]);
    if (name === 'test' || name === '[') {
      const last = words[words.length - 1]!;
      if (name === '[' && (words.length < 2 || keyword(last) !== ']')) {
        this.problem(token.offset, "'[' without a closing ']'");
        return undefined;
      }
      const args = words.slice(1, name === '[' ? -1 : undefined);
      // File tests and the like would read the file system: refuse them before any evaluation.
      const operator = args[0] === undefined ? undefined : keyword(args[0]);
      if (operator !== undefined && /^-[A-Za-z]$/.test(operator) && operator !== '-z' && operator !== '-n') {
        this.problem(args[0]!.offset, `test operator ${operator} is not supported (only =, !=, -z, -n, -eq, -ne, -lt, -le, -gt, -ge)`);
        return undefined;
      }
      return args;
    }
    this.problem(token.offset, words[0] === undefined
      ? `expected a test command, got ${describe(token)}`
      : `an if condition must be a test command ([ ... ] or test ...), got '${words[0].raw}'`);
    return undefined;
  }

  /** `case WORD in [(]PATTERN[|PATTERN]...) LIST ;; ... esac` */
  private caseClause(): Statement | undefined {
    const start = this.next().offset;
    const subjectToken = this.next();
    if (subjectToken.kind !== 'word') {
      this.problem(subjectToken.offset, `expected a word after 'case', got ${describe(subjectToken)}`);
      this.skipGroup('case', 'esac');
      return undefined;
    }
    if (!this.expectKeyword('in', start, 'case')) {
      this.skipGroup('case', 'esac');
      return undefined;
    }
    const items: CaseItem[] = [];
    let ok = true;
    for (;;) {
      this.skipNewlines();
      if (this.peekKeyword() === 'esac') {
        this.next();
        return ok ? { kind: 'case', subject: subjectToken.word, items, offset: start } : undefined;
      }
      if (this.peek().kind === 'eof') {
        this.problem(start, "'case' is not closed by 'esac'");
        return undefined;
      }
      const patterns = this.casePatterns();
      if (patterns === undefined) {
        ok = false;
        while (!(this.peek().kind === 'eof' || this.isOp(';;') || this.peekKeyword() === 'esac')) this.next();
      }
      const body = this.list(new Set(['esac']));
      if (patterns !== undefined) items.push({ patterns, body });
      if (this.peek().kind === 'eof') {
        this.problem(start, "'case' is not closed by 'esac'");
        return undefined;
      }
      if (this.isOp(';;')) this.next();
      else if (this.peekKeyword() !== 'esac') {
        this.problem(this.peek().offset, `expected ';;' or 'esac', got ${describe(this.peek())}`);
        this.next();
        ok = false;
      }
    }
  }

  private casePatterns(): Word[] | undefined {
    if (this.isOp('(')) this.next();
    const patterns: Word[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind !== 'word') {
        this.problem(token.offset, `expected a case pattern, got ${describe(token)}`);
        return undefined;
      }
      patterns.push(token.word);
      const after = this.next();
      if (this.isOp(')', after)) return patterns;
      if (!this.isOp('|', after)) {
        this.problem(after.offset, `expected '|' or ')' after a case pattern, got ${describe(after)}`);
        return undefined;
      }
    }
  }

}

function assignmentOf(word: Word, name: string): Assignment {
  // The value is the word minus `NAME=`: drop that many characters from the first (unquoted text) part.
  const [first, ...rest] = word.parts;
  const cut = name.length + 1;
  const parts = first !== undefined && first.kind === 'text' && first.text.length > cut
    ? [{ ...first, text: first.text.slice(cut), origins: first.origins.slice(cut) }, ...rest]
    : rest;
  const value: Word = { offset: word.offset + cut, raw: word.raw.slice(cut), parts, hasQuotes: word.hasQuotes };
  return { name, value, offset: word.offset };
}
