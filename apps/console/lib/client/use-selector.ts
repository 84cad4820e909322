import { parseSelector, type Selector } from "@sysward/contract";
import { useMemo } from "react";

/** Parses a selector box; a half-typed selector selects nothing and says what is wrong. */
export function useSelector(text: string): { selector: Selector | undefined; error: string | null } {
  return useMemo(() => {
    try {
      return { selector: text.trim() ? parseSelector(text) : undefined, error: null };
    } catch (err) {
      return { selector: undefined, error: (err as Error).message };
    }
  }, [text]);
}
