// The one DNS packet shape a registry value has (RFC 1035, 4.1): a response with no question
// and a single TXT answer under one owner name, its data split into character-strings of 255
// bytes and a last shorter one. pkarr relays and clients parse `v` as a DNS answer packet and
// refuse anything else, so this is what lets umbra's values travel through them. We write
// only this shape, and read back only this shape, byte for byte: one value, one encoding.

const headerBytes = 12;
/** QR set (a response), opcode QUERY, no other flag: what pkarr's own packets carry. */
const responseFlags = 0x80_00;
const typeTxt = 16;
const classIn = 1;
const maxStringBytes = 255;
const maxLabelBytes = 63;

export type TxtAnswer = {
	/** The owner name, without the trailing dot: lower-case ASCII labels of 1 to 63 characters. */
	owner: string;
	/** Seconds; pkarr relays take the smallest TTL of a packet as their cache time. */
	ttl: number;
	/** The TXT record's data: any bytes, at least one. */
	data: Uint8Array;
};

function nameBytes(owner: string): Buffer {
	const labels = owner.split('.');
	if (labels.some(label => !/^[\da-z-]+$/.test(label) || label.length > maxLabelBytes)) {
		throw new TypeError(`A DNS owner name needs labels of 1 to ${maxLabelBytes} lower-case letters, digits or hyphens: ${owner}`);
	}

	return Buffer.concat([...labels.map(label => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])), Buffer.from([0])]);
}

/** Everything before the TXT data: header, owner, type, class, TTL. The same for every value of an owner. */
function answerPrefix(owner: string, ttl: number): Buffer {
	if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7F_FF_FF_FF) {
		throw new TypeError(`A DNS TTL is a whole number of seconds from 0 to 2^31-1, not ${ttl}.`);
	}

	const header = Buffer.alloc(headerBytes);
	header.writeUInt16BE(responseFlags, 2);
	header.writeUInt16BE(1, 6);
	const fixed = Buffer.alloc(8);
	fixed.writeUInt16BE(typeTxt, 0);
	fixed.writeUInt16BE(classIn, 2);
	fixed.writeUInt32BE(ttl, 4);
	return Buffer.concat([header, nameBytes(owner), fixed]);
}

const stringCount = (dataBytes: number) => Math.ceil(dataBytes / maxStringBytes);

export function encodeTxtAnswer(answer: TxtAnswer): Uint8Array {
	const {data} = answer;
	const rdata = stringCount(data.length) + data.length;
	if (data.length === 0 || rdata > 0xFF_FF) {
		throw new TypeError(`TXT data must be 1 to ${0xFF_FF} bytes with its length prefixes, not ${data.length}.`);
	}

	const prefix = answerPrefix(answer.owner, answer.ttl);
	const packet = Buffer.alloc(prefix.length + 2 + rdata);
	let offset = prefix.copy(packet, 0);
	offset = packet.writeUInt16BE(rdata, offset);
	for (let start = 0; start < data.length; start += maxStringBytes) {
		const chunk = data.subarray(start, start + maxStringBytes);
		offset = packet.writeUInt8(chunk.length, offset);
		offset += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).copy(packet, offset);
	}

	return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
}

/**
 * The TXT data of `packet`, or undefined unless it is exactly what encodeTxtAnswer writes for
 * this owner and TTL: same header, name (uncompressed), type, class and TTL, strings of 255
 * bytes but the last, and nothing after them.
 */
export function decodeTxtAnswer(packet: Uint8Array, expected: {owner: string; ttl: number}): Uint8Array | undefined {
	if (!(packet instanceof Uint8Array)) {
		return undefined;
	}

	const bytes = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
	const prefix = answerPrefix(expected.owner, expected.ttl);
	if (bytes.length < prefix.length + 4 || !bytes.subarray(0, prefix.length).equals(prefix)) {
		return undefined;
	}

	const rdata = bytes.readUInt16BE(prefix.length);
	if (prefix.length + 2 + rdata !== bytes.length) {
		return undefined;
	}

	const chunks: Buffer[] = [];
	let offset = prefix.length + 2;
	while (offset < bytes.length) {
		const length = bytes[offset] ?? 0;
		const last = offset + 1 + length === bytes.length;
		// Every string but the last is full, the last is not empty: the split we write.
		if (length === 0 || (!last && length !== maxStringBytes) || offset + 1 + length > bytes.length) {
			return undefined;
		}

		chunks.push(bytes.subarray(offset + 1, offset + 1 + length));
		offset += 1 + length;
	}

	return new Uint8Array(Buffer.concat(chunks));
}
