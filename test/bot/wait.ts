// Waits on a condition instead of sleeping: polls the predicate until it holds or the deadline passes.
export async function waitUntil(label: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 10);
		});
	}
}
