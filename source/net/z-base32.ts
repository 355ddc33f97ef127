// z-base32 (Zooko's human-oriented base 32), as pkarr names an Ed25519 public key in a URL
// path: 32 bytes become 52 lowercase characters. Decoding is strict (no padding, no upper case,
// no trailing bits set), so one key has one spelling and a relay cannot be fed two names for it.

const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
const values = new Map([...alphabet].map((character, index) => [character, index]));

export function zBase32Encode(bytes: Uint8Array): string {
	let text = '';
	let buffer = 0;
	let bits = 0;
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			text += alphabet[(buffer >> bits) & 31];
		}

		buffer &= (1 << bits) - 1;
	}

	if (bits > 0) {
		text += alphabet[(buffer << (5 - bits)) & 31];
	}

	return text;
}

/** The bytes `text` spells, or undefined when it is not canonical z-base32. */
export function zBase32Decode(text: string): Uint8Array | undefined {
	const bytes: number[] = [];
	let buffer = 0;
	let bits = 0;
	for (const character of text) {
		const value = values.get(character);
		if (value === undefined) {
			return undefined;
		}

		buffer = (buffer << 5) | value;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			bytes.push((buffer >> bits) & 0xFF);
		}

		buffer &= (1 << bits) - 1;
	}

	// Leftover bits must be zero padding and fewer than five, or two texts would name one key.
	if (bits >= 5 || buffer !== 0) {
		return undefined;
	}

	return new Uint8Array(bytes);
}
