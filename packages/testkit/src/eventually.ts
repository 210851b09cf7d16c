/**
 * Retries an assertion until it passes or the time runs out: no sleeps in tests. Give every
 * `assert.ok` in it a message: without one, Node re-reads and parses the source file to build the
 * message on each failure, which can stall the event loop for seconds.
 */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
