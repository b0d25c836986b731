// The metric names a PromQL expression reads, for the dashboard test: a
// small tokenizer (strings, label matchers `{...}`, ranges `[...]`, numbers
// and operators are skipped), then every identifier that is not a function
// call, a keyword or a label list's member (`by (...)`, `without (...)`,
// `on (...)`, `ignoring (...)`, `group_left (...)`, `group_right (...)`),
// and not an argument after the first of Grafana's `label_values(...)`.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

interface Token {
  readonly kind: 'ident' | 'open' | 'close' | 'comma' | 'other';
  readonly text: string;
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const skipTo = (close: string): void => {
    for (i += 1; i < expr.length && expr[i] !== close; i += 1) if (expr[i] === '"' || expr[i] === "'") skipString();
    i += 1;
  };
  const skipString = (): void => {
    const quote = expr[i];
    for (i += 1; i < expr.length && expr[i] !== quote; i += 1) if (expr[i] === '\\') i += 1;
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) i += 1;
    else if (c === '{') skipTo('}');
    else if (c === '[') skipTo(']');
    else if (c === '"' || c === "'" || c === '`') {
      skipString();
      i += 1;
    } else if (/[A-Za-z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[A-Za-z0-9_:]/.test(expr[i]!)) i += 1;
      tokens.push({ kind: 'ident', text: expr.slice(start, i) });
    } else if (/[0-9.]/.test(c)) {
      // A number or a duration (5m, 1h30m): the unit letters are part of it.
      while (i < expr.length && /[0-9A-Za-z_.]/.test(expr[i]!)) i += 1;
    } else {
      tokens.push({ kind: c === '(' ? 'open' : c === ')' ? 'close' : c === ',' ? 'comma' : 'other', text: c });
      i += 1;
    }
  }
  return tokens;
}

export function metricNames(expr: string): string[] {
  const tokens = tokenize(expr);
  const names: string[] = [];
  // Parentheses that hold label names, not expressions.
  const stack: ('labels' | 'label_values' | 'expr')[] = [];
  let argument = 0;
  for (let t = 0; t < tokens.length; t += 1) {
    const token = tokens[t]!;
    const next = tokens[t + 1];
    if (token.kind === 'open') {
      const before = tokens[t - 1];
      stack.push(before?.kind === 'ident' && LABEL_LISTS.has(before.text) ? 'labels' : before?.text === 'label_values' ? 'label_values' : 'expr');
      if (stack.at(-1) === 'label_values') argument = 0;
    } else if (token.kind === 'close') {
      stack.pop();
    } else if (token.kind === 'comma' && stack.at(-1) === 'label_values') {
      argument += 1;
    } else if (token.kind === 'ident') {
      const context = stack.at(-1);
      if (context === 'labels' || (context === 'label_values' && argument > 0)) continue;
      // A function call, a keyword, or an aggregation followed by its label list (`sum by (x) (...)`).
      if (next?.kind === 'open' || KEYWORDS.has(token.text.toLowerCase()) || (next?.kind === 'ident' && LABEL_LISTS.has(next.text))) continue;
      names.push(token.text);
    }
  }
  return names;
}
