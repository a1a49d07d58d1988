// A progress bar on stderr (stdout carries the results table). On a terminal it redraws one line;
// elsewhere (CI logs) it prints a line every 10 %.

export interface Progress {
  start(label: string, total: number): void;
  tick(n?: number, note?: string): void;
  done(summary?: string): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, done() {} };

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let label = "";
  let total = 0;
  let count = 0;
  let t0 = 0;
  let lastDecile = -1;
  const tty = Boolean(stream.isTTY);
  const line = (note?: string) => {
    const width = 28;
    const share = total ? count / total : 1;
    const bar = "█".repeat(Math.round(share * width)).padEnd(width, "░");
    const secs = (performance.now() - t0) / 1000;
    return `${label.padEnd(8)} ${bar} ${count}/${total} ${(share * 100).toFixed(0).padStart(3)}% ${secs.toFixed(1)}s${note ? `  ${note}` : ""}`;
  };
  return {
    start(l, n) {
      label = l;
      total = n;
      count = 0;
      t0 = performance.now();
      lastDecile = -1;
      this.tick(0);
    },
    tick(n = 1, note) {
      count = Math.min(total, count + n);
      if (tty) {
        stream.write(`\r\x1b[K${line(note)}`);
        return;
      }
      const decile = total ? Math.floor((count / total) * 10) : 10;
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${line(note)}\n`);
      }
    },
    done(summary) {
      if (tty) stream.write(`\r\x1b[K${line()}${summary ? `  ${summary}` : ""}\n`);
      else if (summary) stream.write(`${label.padEnd(8)} ${summary}\n`);
    },
  };
}
