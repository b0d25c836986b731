// The final command_args into an argument vector, exactly as
// `eval set -- $command_args` does it in sh: first the unquoted expansion
// splits the value on blanks and newlines (quotes inside the value do not
// protect them), eval joins the fields with single spaces, then parses the
// result as shell words (quotes and backslashes group and are removed).
// Anything the shell would expand or treat as an operator is an error here.

import type { Value } from './expand.js';

export interface SplitArg {
  readonly text: string;
  /** Offset in the file of the argument's first character (its assignment when unknown). */
  readonly offset: number;
}

export interface SplitResult {
  readonly args: readonly SplitArg[];
  readonly problems: readonly { offset: number; message: string }[];
}

const OPERATORS = new Set([';', '|', '&', '<', '>', '(', ')']);

export function splitCommandArgs(value: Value): SplitResult {
  // Stage 1: field splitting of the unquoted $command_args, joined by eval with spaces.
  let text = '';
  const origins: number[] = [];
  for (const match of value.text.matchAll(/[^ \t\n]+/g)) {
    if (text !== '') {
      text += ' ';
      origins.push(origins[origins.length - 1]!);
    }
    text += match[0];
    for (let i = 0; i < match[0].length; i++) origins.push(value.origins[match.index + i] ?? -1);
  }
  const at = (i: number): number => {
    const origin = origins[Math.min(i, origins.length - 1)] ?? -1;
    return origin >= 0 ? origin : value.assignedAt;
  };

  // Stage 2: eval parses the joined text as words.
  const args: SplitArg[] = [];
  const problems: { offset: number; message: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    // `#` at the start of a word starts a comment in eval, as in the file.
    if (text[i] === '#') break;
    const start = i;
    let word = '';
    let bad = false;
    if (text[i] === '~') {
      problems.push({ offset: at(i), message: 'command_args: tilde expansion (~) is not supported; write the path out' });
      bad = true;
    }
    while (i < text.length && text[i] !== ' ') {
      const ch = text[i]!;
      if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) {
          problems.push({ offset: at(i), message: 'command_args: unterminated single quote' });
          return { args, problems };
        }
        word += text.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        let j = i + 1;
        for (; j < text.length && text[j] !== '"'; j++) {
          const inner = text[j]!;
          if (inner === '\\' && j + 1 < text.length && '$`"\\'.includes(text[j + 1]!)) {
            word += text[++j];
          } else if (inner === '$' || inner === '`') {
            problems.push({ offset: at(j), message: `command_args: '${inner}' inside double quotes would be expanded by the shell; use single quotes or \\${inner}` });
            bad = true;
          } else {
            word += inner;
          }
        }
        if (j >= text.length) {
          problems.push({ offset: at(i), message: 'command_args: unterminated double quote' });
          return { args, problems };
        }
        i = j + 1;
      } else if (ch === '\\') {
        if (i + 1 >= text.length) {
          problems.push({ offset: at(i), message: 'command_args: a backslash at the end escapes nothing' });
          bad = true;
          i++;
        } else {
          word += text[i + 1];
          i += 2;
        }
      } else if (ch === '$' || ch === '`' || OPERATORS.has(ch)) {
        problems.push({ offset: at(i), message: `command_args: unquoted '${ch}' is not allowed in the arguments` });
        bad = true;
        i++;
      } else {
        word += ch;
        i++;
      }
    }
    if (!bad) args.push({ text: word, offset: at(start) });
  }
  return { args, problems };
}
