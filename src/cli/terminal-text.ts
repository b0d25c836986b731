// Text the program did not write itself (an econfig error quotes the file,
// a database error its server) goes to an operator's terminal only with its
// control characters escaped: an ESC or OSC sequence in a file must not move
// the cursor, retitle the window or hide lines, and a bidi override must not
// reorder what is shown. The --json outputs need none of this: JSON escapes
// C0 controls itself, and what reads JSON is not a terminal.

/** C0 controls, DEL, C1 controls, line and paragraph separators, bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with every unsafe character as a visible escape (`\x1b`, `\u{202e}`). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
