import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.server";

describe("Markdown bodies", () => {
  it("renders headings, lists, emphasis and links", () => {
    const html = renderMarkdown("## Требования\n\n1. **Освободить** задержанных\n2. _Гарантировать_ [право](https://example.org)");
    expect(html).toContain("<h2>Требования</h2>");
    expect(html).toContain("<ol>");
    expect(html).toContain("<strong>Освободить</strong>");
    expect(html).toContain("<em>Гарантировать</em>");
    expect(html).toContain('<a href="https://example.org" rel="nofollow noopener noreferrer">право</a>');
  });

  it("shows scripts and event handlers inert", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1))');
    expect(html).not.toMatch(/<script|<img|<[^>]*\sonerror=|href="javascript/i);
    expect(html).toContain("&lt;script&gt;");
  });
});
