import { createRequire } from "node:module";
import path from "node:path";
import { Writable } from "node:stream";
import type { ReactNode } from "react";
import type { renderToPipeableStream as RenderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";

/**
 * React 18.3's streaming renderer (react-dom/server.node) buffers output in 2,048-byte views.
 * Unpatched, a multi-byte character that does not fit at the end of a view made it write out the
 * whole view, zero bytes included: ru/kk pages carried NUL bytes, which a browser turns into U+FFFD
 * inside a textarea, and an organizer's save stored. patches/react-dom+18.3.1.patch (applied by
 * `postinstall`) writes only the filled part. Both builds are checked: the production one serves
 * the app, the development one `npm run dev`.
 */
const require = createRequire(import.meta.url);
const cjs = (file: string) => path.join(path.dirname(require.resolve("react-dom/package.json")), "cjs", file);
const builds: Record<string, { renderToPipeableStream: typeof RenderToPipeableStream }> = {
  production: require(cjs("react-dom-server.node.production.min.js")),
  development: require(cjs("react-dom-server.node.development.js")),
};

function render(build: (typeof builds)[string], node: ReactNode): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    sink.on("finish", () => resolve(Buffer.concat(chunks)));
    const { pipe } = build.renderToPipeableStream(node, { onAllReady: () => pipe(sink), onShellError: reject });
  });
}

const WORD = "Қазақстан";

describe.each(Object.keys(builds))("react-dom/server.node (%s build)", (name) => {
  it("never writes a NUL byte when a multi-byte character crosses a 2,048-byte view", async () => {
    // Shift the text by 0..3 ASCII bytes so that every alignment of a 2-byte character is tried.
    for (let shift = 0; shift < 4; shift++) {
      const html = await render(
        builds[name],
        <div>
          {"a".repeat(shift)}
          {Array.from({ length: 400 }, (_, i) => (
            <span key={i}>{WORD}</span>
          ))}
          <textarea defaultValue={`${WORD} `.repeat(30)} />
        </div>,
      );
      expect(html.includes(0), `a NUL byte with shift ${shift}`).toBe(false);
      const text = html.toString("utf8");
      expect(text).not.toContain("\uFFFD");
      expect(text.split(WORD).length - 1).toBe(430);
    }
  });
});
