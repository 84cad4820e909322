"use client";

import { useCallback, useEffect, useState } from "react";

/**
 * Filter fields kept in the page's query string (?q=…&state=…), so a reload or a shared link shows
 * the same view. replaceState, not navigation: typing in a filter is no page load.
 */
export function useUrlFilters<K extends string>(keys: readonly K[]): [Record<K, string>, (key: K, value: string) => void] {
  const empty = Object.fromEntries(keys.map((k) => [k, ""])) as Record<K, string>;
  const [values, setValues] = useState(empty);
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    setValues(Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ""])) as Record<K, string>);
    // Once, after hydration (the server has no location); the keys are fixed for a page's life.
  }, []);
  const set = useCallback((key: K, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    const url = new URL(window.location.href);
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
    window.history.replaceState(window.history.state, "", url);
  }, []);
  return [values, set];
}
