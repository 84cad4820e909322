// How Debian's Chromium is launched, by the e2e suite and by the browser benchmarks alike.
// Playwright's own browser download is impossible here: Debian's package is the browser.
export const CHROMIUM_EXECUTABLE = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
