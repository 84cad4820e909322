/**
 * An async function as a React event handler, which must return void (React drops what it returns).
 * The handlers given here show their own failures on the page (an error notice, or a redirect); a
 * rejection that still gets out stays unhandled, so the browser reports it rather than it vanishing.
 */
export function asyncHandler<A extends unknown[]>(handler: (...args: A) => Promise<unknown>): (...args: A) => void {
  return (...args) => void handler(...args);
}
