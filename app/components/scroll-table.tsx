import type { ReactNode } from "react";

/**
 * A table that scrolls sideways inside its own box when it is wider than the screen (a phone),
 * so the page itself never does. The box can take keyboard focus, to scroll it with the arrow
 * keys, and is named by the heading it sits under (a group, not a region: the section around
 * it is already the region of that name). A `wide` table (many columns, long cells) keeps a
 * readable width and scrolls rather than squeezing every column into a few letters.
 */
export function ScrollTable({ labelledBy, className, wide, children }: { labelledBy: string; className?: string; wide?: boolean; children: ReactNode }) {
  const classes = [className, wide ? "wide" : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="table-scroll" role="group" aria-labelledby={labelledBy} tabIndex={0}>
      <table className={classes}>{children}</table>
    </div>
  );
}
