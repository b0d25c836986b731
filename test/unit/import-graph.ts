// The import graph of src/, for the import tests (import-direction.test.ts,
// routing-layers.test.ts): every relative import of every module, type-only
// ones included. `import type` is erased from the JavaScript, but a circle
// of types is still a circle of knowledge: each file of it has to be read
// with the others, and none can move to another layer alone.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** One import: the specifier as written, and the module it names (`routing/index.ts`, relative to src/). */
export interface ImportEdge {
  readonly specifier: string;
  readonly target: string;
  /** Every name it brings is a type (`import type`, `export type`, or `{ type A, type B }`). */
  readonly typeOnly: boolean;
}

/** Module (relative to src/, `routing/index.ts`) → its relative imports. */
export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Whether every name the statement brings in or out is a type. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (clause === undefined) return false; // `import './x.js'` runs the module
    if (clause.isTypeOnly) return true;
    if (clause.name !== undefined) return false;
    const bindings = clause.namedBindings;
    return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/**
 * The relative imports of `text`, the source of `file` (an absolute path under
 * src/): import and export declarations and dynamic imports; comments and
 * strings are not imports. Targets outside src/ keep their `../` path.
 */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, isTypeOnly: boolean): void => {
    if (!specifier.startsWith('.')) return;
    const target = relative(SRC, resolve(dirname(file), specifier).replace(/\.js$/, '.ts')).split('\\').join('/');
    edges.push({ specifier, target, typeOnly: isTypeOnly });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, typeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true); // `typeof import('./x.js')`
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The graph of every module under src/ as it is on disk. */
export function importGraphOfSrc(): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of sourceFiles(SRC)) graph.set(relative(SRC, file).split('\\').join('/'), importsOf(file, readFileSync(file, 'utf8')));
  return graph;
}

/**
 * The circles of `graph`: its strongly connected components of more than one
 * module (or a module importing itself), each as one path around it that
 * starts and ends at its first module in sort order, so a failure names the
 * imports to cut. Tarjan's algorithm, iterative.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const successors = (v: string): string[] => [...new Set((graph.get(v) ?? []).map((e) => e.target))].filter((w) => graph.has(w));
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { v: string; rest: string[] }[] = [];
    const open = (v: string): void => {
      index.set(v, next);
      low.set(v, next);
      next++;
      stack.push(v);
      onStack.add(v);
      work.push({ v, rest: successors(v) });
    };
    open(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const w = top.rest.shift();
      if (w !== undefined) {
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) !== index.get(top.v)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== top.v);
      if (component.length > 1 || successors(top.v).includes(top.v)) components.push(component.sort());
    }
  }
  return components.map((component) => cyclePath(graph, new Set(component)));
}

/** A shortest path from the component's first module back to itself, inside the component (breadth first). */
function cyclePath(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const start = [...component][0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const { target } of graph.get(v) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path: string[] = [];
        for (let at = v; at !== start; at = previous.get(at)!) path.unshift(at);
        return [start, ...path, start];
      }
      if (previous.has(target)) continue;
      previous.set(target, v);
      queue.push(target);
    }
  }
  return [...component];
}
