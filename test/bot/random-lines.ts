// Random stdin lines for the bot fuzz tests, from a seeded generator (the seed is printed, so a
// failure can be replayed): each line is known to be good (a valid command to a known contact)
// or known to be bad (not JSON, not an object, unknown command or field, wrong type, missing
// field), so a test can count the error events it must see.
export type RandomLine = {line: string; bad: boolean};

export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6D_2B_79_F5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

export function randomLines(count: number, seed: number, contacts: readonly string[]): RandomLine[] {
	const random = seededRandom(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	const randomText = (max: number) => {
		const length = Math.floor(random() * max);
		let text = '';
		for (let index = 0; index < length; index++) {
			// Printable ASCII, controls, escapes, astral characters: all but the newline.
			const code = pick([() => 0x20 + Math.floor(random() * 95), () => Math.floor(random() * 32), () => 0x1B, () => 0x80 + Math.floor(random() * 0x800), () => 0x1F600])();
			text += code === 10 ? ' ' : String.fromCodePoint(code);
		}

		return text;
	};

	const good = (): string => pick([
		() => JSON.stringify({cmd: 'send', to: pick(contacts), text: randomText(40) || 'x'}),
		() => JSON.stringify({cmd: 'contacts', id: randomText(8)}),
		() => JSON.stringify({cmd: 'presence', state: pick(['online', 'away', 'busy', 'invisible']), status: randomText(20)}),
		() => JSON.stringify({cmd: 'status', text: randomText(20)}),
		() => JSON.stringify({cmd: pick(['hide', 'show']), contact: pick(contacts)}),
	])();
	const bad = (): string => pick([
		// Not JSON: random text that does not start like JSON.
		() => `#${randomText(60)}`,
		// JSON, not an object.
		() => JSON.stringify(pick([random(), randomText(10), null, [1, 'a'], true])),
		// Truncated good command.
		() => {
			const line = good();
			return line.slice(0, Math.max(1, Math.floor(random() * (line.length - 1))));
		},
		() => JSON.stringify({cmd: `x${randomText(10)}`}),
		() => JSON.stringify({cmd: 'send', to: pick(contacts), text: 'x', [`z${randomText(6)}`]: 1}),
		() => JSON.stringify({cmd: 'send', to: pick(contacts), text: pick([1, null, true, {}, []])}),
		() => JSON.stringify({cmd: 'send', to: pick(contacts)}),
		() => JSON.stringify({cmd: 'send', to: `nobody-${randomText(5)}`, text: 'x'}),
		() => JSON.stringify({cmd: 'presence', state: `s${randomText(5)}`}),
		() => JSON.stringify({cmd: 'add', name: 'n', key: 'AB', armor: 'x'}),
		() => JSON.stringify({cmd: pick(['hide', 'show'])}),
	])();
	return Array.from({length: count}, () => (random() < 0.5 ? {line: good(), bad: false} : {line: bad(), bad: true}));
}
