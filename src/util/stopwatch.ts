/** Milliseconds since the previous call (or since the stopwatch was made): the time of a stage. */
export function stopwatch(): () => number {
  let last = Date.now();
  return () => {
    const now = Date.now();
    const ms = now - last;
    last = now;
    return ms;
  };
}
