// z-base-32 (Zooko's human-oriented base 32), the spelling pkarr gives an Ed25519 public key as
// a top-level domain: bits most significant first, five per character, the last character
// padded with zero bits. 32 bytes give 52 characters.
const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';

export function zBase32(bytes: Uint8Array): string {
	let out = '';
	let bits = 0;
	let value = 0;
	for (const byte of bytes) {
		value = ((value << 8) | byte) & 0xFF_FF;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += alphabet[(value >> bits) & 31];
		}
	}

	return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
}
