import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compiled } from "./compiled.mjs";

/** server/compiled.mjs: the compiled form of an entry is made once, and again when a source it was made from changes. */
describe("compiled entries", () => {
  const dir = path.join("test-results", `compiled-${process.pid}`);
  let out = "";
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const file of [out, `${out}.inputs.json`]) if (out) fs.rmSync(file, { force: true });
  });

  it("bundles the entry's own modules, keeps packages as imports, and makes it again only when a source is newer", async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "entry.ts"),
      'import { word } from "./word";\nimport { z } from "zod";\nexport const said: string = z.string().parse(word);\n',
    );
    fs.writeFileSync(path.join(dir, "word.ts"), 'export const word = "first";\n');
    out = await compiled(`${dir}/entry.ts`);
    const text = fs.readFileSync(out, "utf8");
    expect(text).toContain('from "zod"');
    expect(text).toContain('"first"');
    expect((await import(`${pathToFileURL(out).href}?1`)).said).toBe("first");

    const made = fs.statSync(out).mtimeMs;
    expect(await compiled(`${dir}/entry.ts`)).toBe(out);
    expect(fs.statSync(out).mtimeMs).toBe(made);

    fs.writeFileSync(path.join(dir, "word.ts"), 'export const word = "second";\n');
    fs.utimesSync(path.join(dir, "word.ts"), new Date(), new Date(made + 2000));
    await compiled(`${dir}/entry.ts`);
    expect((await import(`${pathToFileURL(out).href}?2`)).said).toBe("second");
  });
});
