/** A writable that keeps what is written, for asserting on reporter and CLI output. */
export class MemoryStream {
  chunks: string[] = [];
  constructor(readonly isTTY = false) {}

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): string[] {
    return this.text.split('\n').filter((line) => line.length > 0);
  }
}
