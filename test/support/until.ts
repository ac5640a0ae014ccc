// Waits for a condition a test cannot await directly (a push event, a state reached over a real line):
// polls the probe every 10 ms and fails with what it was waiting for. A liveness bound, not a timing check.
export async function until<V>(probe: () => V | undefined | false | Promise<V | undefined | false>, what: string, ms = 15_000): Promise<V> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
