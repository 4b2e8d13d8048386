/**
 * Carries pdfkit's output to the destination stream with backpressure.
 *
 * pdfkit's document is a Readable whose `_read` does nothing: it pushes every object as soon as
 * it is written and ignores `push()` returning false. Piped to a slow destination, a million-row
 * letter would pile up in memory. So the renderer listens to 'data' itself, batches the many
 * small chunks (one per PDF line) into ~64 KB writes, and between pages awaits `ready()`, which
 * waits for 'drain' when the destination said it is full and also yields to the event loop so
 * a long render does not starve other requests. (256 KB batches measured ~70 MB more peak RSS
 * at 100k rows: the allocator holds on to the freed large blocks.)
 */
export class PdfSink {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private drained: Promise<void> | null = null;
  private failure: Error | null = null;
  private pagesSinceYield = 0;
  readonly finished: Promise<void>;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly out: NodeJS.WritableStream,
    private readonly batchBytes = 64 * 1024,
  ) {
    const fail = (error: Error) => {
      this.failure ??= error;
    };
    out.on("error", fail);
    out.on("close", () => fail(new Error("the destination stream closed before the letter was complete")));
    doc.on("data", (chunk: Uint8Array) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size >= this.batchBytes) this.flush();
    });
    this.finished = new Promise<void>((resolve, reject) => {
      out.once("finish", resolve);
      out.once("error", reject);
      doc.once("error", reject);
      doc.once("end", () => {
        if (this.failure) return reject(this.failure);
        this.flush();
        out.end();
      });
    });
    // Keep an unawaited rejection from crashing the process; callers await `finished`.
    this.finished.catch(() => undefined);
  }

  private flush(): void {
    if (this.size === 0 || this.failure) return;
    const batch = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    if (!this.out.write(batch) && !this.drained) {
      this.drained = new Promise<void>((resolve) => {
        const done = () => {
          this.out.removeListener("drain", done);
          this.out.removeListener("close", done);
          this.out.removeListener("error", done);
          this.drained = null;
          resolve();
        };
        this.out.on("drain", done);
        this.out.on("close", done);
        this.out.on("error", done);
      });
    }
  }

  /**
   * Call between pages. Waits while the destination is full, yields to the event loop every few
   * pages, and throws if the destination failed (a client that went away stops the render).
   */
  async ready(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.drained) await this.drained;
    if (++this.pagesSinceYield >= 8) {
      this.pagesSinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.failure) throw this.failure;
  }
}
