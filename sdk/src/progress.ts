/**
 * Progress of a run: a bar redrawn in place on a terminal, plain lines (every tenth of the
 * way) when the output is a file or a pipe, or nothing.
 */

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private lastTenth = -1;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly out: ProgressOutput | undefined,
  ) {}

  start(): void {
    if (!this.out) return;
    if (this.out.isTTY) this.draw();
    else this.out.write(`spansift: evaluating ${this.total} data points\n`);
  }

  tick(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    if (!this.out) return;
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw >= 50 || this.done === this.total) this.draw();
      return;
    }
    const tenth = this.total ? Math.floor((this.done * 10) / this.total) : 10;
    if (tenth > this.lastTenth && (tenth > 0 || this.done === this.total)) {
      this.lastTenth = tenth;
      this.out.write(`spansift: ${this.done}/${this.total} data points evaluated${this.failed ? `, ${this.failed} with errors` : ''}\n`);
    }
  }

  stop(): void {
    if (this.out?.isTTY) this.out.write('\n');
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const width = 30;
    const filled = this.total ? Math.round((this.done / this.total) * width) : width;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.out!.write(`\r${bar} ${this.done}/${this.total}${this.failed ? `  ${this.failed} with errors` : ''}`);
  }
}
