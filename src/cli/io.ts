// What a command may touch of the outside world, passed in so that tests
// run commands in-process and read what they print.

export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: NodeJS.ProcessEnv;
}

/** A command: parsed argv in, exit status out. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;
