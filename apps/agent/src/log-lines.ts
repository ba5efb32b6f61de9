/**
 * Cuts a step's output chunks into whole lines, per step and stream, so each
 * `log` event is one line (without its newline). `flush` emits what is left
 * when a step or the job ends.
 */
export class LineSplitter {
  private readonly partial = new Map<string, string>();

  constructor(private readonly onLine: (step: number | null, stream: 'stdout' | 'stderr', text: string) => void) {}

  push(step: number | null, stream: 'stdout' | 'stderr', chunk: string): void {
    const key = `${step}:${stream}`;
    const lines = ((this.partial.get(key) ?? '') + chunk).split('\n');
    this.partial.set(key, lines.pop() ?? '');
    for (const line of lines) this.onLine(step, stream, line);
  }

  flush(): void {
    for (const [key, rest] of this.partial) {
      if (rest === '') continue;
      const [step, stream] = key.split(':') as [string, 'stdout' | 'stderr'];
      this.onLine(step === 'null' ? null : Number(step), stream, rest);
    }
    this.partial.clear();
  }
}
