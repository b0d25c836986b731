// Where a value of a parsed YAML document was written: the `yaml` library
// keeps each node's character range, and its LineCounter turns an offset
// into a 1-based line and column. A path that leads nowhere (a key that is
// missing) falls back to the deepest node found on the way, so every
// problem still points into the file.

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { SourcePosition } from './model.js';

export class YamlSource {
  constructor(private readonly document: Document, private readonly lines: LineCounter) {}

  /** The position of a character offset. */
  position(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Where the value at `path` starts; with `key`, where its key does (an unknown key). */
  at(path: readonly (string | number)[], key = false): SourcePosition {
    let node: Node | null = this.document.contents as Node | null;
    let found: Node | null = node;
    for (let i = 0; i < path.length && node !== null; i++) {
      const step = path[i]!;
      if (isAlias(node)) node = (node.resolve(this.document) as Node | undefined) ?? null;
      if (isMap(node)) {
        const pair = (node.items as Pair[]).find((p) => (isScalar(p.key) ? p.key.value : p.key) === step);
        if (pair === undefined) break;
        node = key && i === path.length - 1 ? (pair.key as Node) : ((pair.value as Node | null) ?? (pair.key as Node));
      } else if (isSeq(node) && typeof step === 'number') {
        node = (node.items[step] as Node | undefined) ?? null;
      } else {
        break;
      }
      if (node !== null && node.range) found = node;
    }
    return this.position(found?.range?.[0] ?? 0);
  }

  /** The text of a plain scalar as written (`0.0100`, not the number 0.01), or undefined. */
  plainText(path: readonly (string | number)[]): string | undefined {
    const node = this.document.getIn(path, true);
    return isScalar(node) && node.type === 'PLAIN' && typeof node.source === 'string' ? node.source : undefined;
  }
}
