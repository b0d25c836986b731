import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// JSON-RPC error codes come from the catalogue (src/errors.ts) and nowhere
// else: a -32xxx written as a number, or inside a string or template, in any
// other source file is a second source that can drift (as -32010 and -32003
// and the control socket's -326xx did). Comments may cite codes; they are
// documentation, not values.

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const CATALOGUE = join(SRC, 'errors.ts');
/** JSON-RPC 2.0 reserves -32768..-32000 for implementation-defined and its own errors. */
const IN_TEXT = /-32\d{3}/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line: literal` for each JSON-RPC code literal in `text`. */
function codeLiterals(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${relative(SRC, file)}:${line + 1}: ${node.getText(source)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) {
      const value = Number(node.operand.text);
      if (value >= 32000 && value <= 32768) report(node);
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (IN_TEXT.test(node.text)) report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('JSON-RPC codes come from src/errors.ts only', () => {
  it('no -32xxx literal in src/ outside the catalogue', () => {
    const files = sourceFiles(SRC).filter((file) => file !== CATALOGUE);
    expect(files.length).to.be.greaterThan(50);
    expect(files.flatMap((file) => codeLiterals(file, readFileSync(file, 'utf8')))).to.deep.equal([]);
  });

  it('finds numbers, strings and templates, and leaves comments alone', () => {
    const file = join(SRC, 'rpc', 'example.ts');
    const text = [
      '// answers -32010 when the database is away',
      'const a = -32010;',
      "const b = { code: -32_003, message: 'x' };",
      "log('getRoutes answers -32010 until it is back');",
      'const c = `fails (-32011) for ${uri}`;',
      'const d = `${uri} fails (-32012)`;',
      'const e = -1, f = 32010, g = -31999;',
    ].join('\n');
    expect(codeLiterals(file, text)).to.deep.equal([
      'rpc/example.ts:2: -32010',
      'rpc/example.ts:3: -32_003',
      "rpc/example.ts:4: 'getRoutes answers -32010 until it is back'",
      'rpc/example.ts:5: `fails (-32011) for ${',
      'rpc/example.ts:6: } fails (-32012)`',
    ]);
  });
});
