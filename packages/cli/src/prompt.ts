import { createInterface } from 'node:readline/promises';
import { type CliIo, InterruptedError, UsageError } from './io.js';

/**
 * Answers to prompts, from wherever a script or a person gives them: an environment variable, the
 * lines of stdin when it is not a terminal (`echo "$PW" | hearth login`), or a prompt on the terminal
 * (passwords without echo).
 */
export class Prompter {
  private lines: Promise<string[]> | undefined;
  private nextLine = 0;

  constructor(private readonly io: CliIo) {}

  private get interactive(): boolean {
    return this.io.stdin.isTTY === true;
  }

  /** Stdin's lines, read once to its end (a pipe or a file). */
  private async stdinLine(what: string): Promise<string> {
    this.lines ??= (async () => {
      let text = '';
      for await (const chunk of this.io.stdin)
        text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      return text.split(/\r?\n/);
    })();
    const line = (await this.lines)[this.nextLine++];
    if (line === undefined || line === '') {
      throw new UsageError(`${what} is needed: give it on stdin (one line each) or on a terminal`);
    }
    return line;
  }

  /** A visible answer (a username). */
  async text(question: string, what: string): Promise<string> {
    if (!this.interactive) return this.stdinLine(what);
    const readline = createInterface({
      input: this.io.stdin,
      output: this.io.stderr as NodeJS.WritableStream,
    });
    try {
      const answer = (await readline.question(question)).trim();
      if (!answer) throw new UsageError(`${what} is needed`);
      return answer;
    } finally {
      readline.close();
    }
  }

  /** A secret: from `envName` if set, else a line of stdin, else typed on the terminal without echo. */
  async secret(question: string, what: string, envName?: string): Promise<string> {
    const fromEnv = envName ? this.io.env[envName] : undefined;
    if (fromEnv) return fromEnv;
    if (!this.interactive) return this.stdinLine(what);
    const answer = await this.hidden(question);
    if (!answer) throw new UsageError(`${what} is needed`);
    return answer;
  }

  /** Reads a line from the terminal in raw mode, echoing nothing. */
  private hidden(question: string): Promise<string> {
    const { stdin, stderr } = this.io;
    stderr.write(question);
    stdin.setRawMode?.(true);
    stdin.resume();
    return new Promise((resolve, reject) => {
      let value = '';
      const finish = () => {
        stdin.off('data', onData);
        stdin.setRawMode?.(false);
        stdin.pause();
        stderr.write('\n');
      };
      const onData = (chunk: Buffer | string) => {
        for (const char of chunk.toString()) {
          if (char === '\r' || char === '\n' || char === '\u0004') {
            finish();
            resolve(value);
            return;
          }
          if (char === '\u0003') {
            finish();
            reject(new InterruptedError('interrupted'));
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on('data', onData);
    });
  }
}
