import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
	ControlParser,
	ControlProtocolError,
	parseArguments,
	quoteString,
	readQuotedString,
	type ParsedItem,
} from '../../source/net/control-parser.js';

// A transcript with every shape the parser must handle, including a 650 event that arrives in
// the middle of a multi-line reply and a data block whose lines were dot-stuffed.
const transcript = [
	'250-version=0.4.9.11',
	'650 CIRC 1 LAUNCHED',
	'250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting \\"now\\""',
	'250 OK',
	'250+config-text=',
	'SocksPort 0',
	'..hidden starts with a dot',
	'...',
	'650 looks like an event but is data',
	'.',
	'250 OK',
	'650-CONF_CHANGED',
	'650-MaxCircuitDirtiness=700',
	'650 OK',
	'650+NS',
	'r relay1 AAAA',
	'.',
	'650 OK',
	'552 Unknown Onion Service id',
	'250 AUTHCHALLENGE SERVERHASH=AB SERVERNONCE=CD',
].join('\r\n') + '\r\n';

const expected: ParsedItem[] = [
	{type: 'event', event: {name: 'CIRC', text: '1 LAUNCHED', lines: [{code: 650, text: 'CIRC 1 LAUNCHED'}]}},
	{type: 'reply', reply: {code: 250, lines: [
		{code: 250, text: 'version=0.4.9.11'},
		{code: 250, text: 'status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting \\"now\\""'},
		{code: 250, text: 'OK'},
	]}},
	{type: 'reply', reply: {code: 250, lines: [
		{code: 250, text: 'config-text=', data: 'SocksPort 0\n.hidden starts with a dot\n..\n650 looks like an event but is data'},
		{code: 250, text: 'OK'},
	]}},
	{type: 'event', event: {name: 'CONF_CHANGED', text: '', lines: [
		{code: 650, text: 'CONF_CHANGED'},
		{code: 650, text: 'MaxCircuitDirtiness=700'},
		{code: 650, text: 'OK'},
	]}},
	{type: 'event', event: {name: 'NS', text: '', lines: [
		{code: 650, text: 'NS', data: 'r relay1 AAAA'},
		{code: 650, text: 'OK'},
	]}},
	{type: 'reply', reply: {code: 552, lines: [{code: 552, text: 'Unknown Onion Service id'}]}},
	{type: 'reply', reply: {code: 250, lines: [{code: 250, text: 'AUTHCHALLENGE SERVERHASH=AB SERVERNONCE=CD'}]}},
];

function parseChunks(chunks: Buffer[]): ParsedItem[] {
	const parser = new ControlParser();
	const items: ParsedItem[] = [];
	for (const chunk of chunks) {
		const result = parser.push(chunk);
		assert.equal(result.error, undefined);
		items.push(...result.items);
	}

	assert.ok(parser.idle, 'nothing is left half-read');
	return items;
}

describe('ControlParser', () => {
	const bytes = Buffer.from(transcript);

	it('parses a transcript fed in one chunk', () => {
		assert.deepEqual(parseChunks([bytes]), expected);
	});

	it('gives the same result for every split point', () => {
		for (let split = 0; split <= bytes.length; split++) {
			assert.deepEqual(parseChunks([bytes.subarray(0, split), bytes.subarray(split)]), expected, `split at byte ${split}`);
		}
	});

	it('gives the same result when the transcript dribbles in one byte at a time', () => {
		const chunks = [...bytes].map(byte => Buffer.from([byte]));
		assert.deepEqual(parseChunks(chunks), expected);
	});

	it('tolerates bare LF line endings', () => {
		assert.deepEqual(parseChunks([Buffer.from(transcript.replaceAll('\r\n', '\n'))]), expected);
	});

	it('keeps multi-byte UTF-8 that is split between chunks intact', () => {
		const line = Buffer.from('250 caf\u00e9\r\n');
		const items = parseChunks([line.subarray(0, 8), line.subarray(8)]);
		assert.deepEqual(items, [{type: 'reply', reply: {code: 250, lines: [{code: 250, text: 'caf\u00e9'}]}}]);
	});

	it('reports a half-read reply as not idle', () => {
		const parser = new ControlParser();
		parser.push(Buffer.from('250-a=1\r\n'));
		assert.equal(parser.idle, false);
	});
});

describe('ControlParser on malformed input', () => {
	const cases: Array<[string, string, RegExp]> = [
		['a garbage line', 'hello tor\r\n', /three-digit status code/],
		['a status code without separator', '250\r\n', /three-digit status code/],
		['a status code out of range', '999 nope\r\n', /three-digit status code/],
		['a different code inside a multi-line reply', '250-version=1\r\n251 OK\r\n', /status 251 inside a multi-line reply with status 250/],
		['a different code inside a multi-line event', '650-CONF_CHANGED\r\n651 OK\r\n', /status 651 inside a multi-line event/],
		['HTML from a web server', 'HTTP/1.0 501 Tor is not an HTTP Proxy\r\n', /status code/],
	];
	for (const [name, input, pattern] of cases) {
		it(`stops with a ControlProtocolError on ${name}`, () => {
			const parser = new ControlParser();
			const result = parser.push(Buffer.from(input));
			assert.ok(result.error instanceof ControlProtocolError);
			assert.match(result.error.message, pattern);
			// The stream cannot be trusted after that: later bytes give the same error, no items.
			const later = parser.push(Buffer.from('250 OK\r\n'));
			assert.equal(later.error, result.error);
			assert.deepEqual(later.items, []);
		});
	}

	it('returns the items that came before the error', () => {
		const result = new ControlParser().push(Buffer.from('250 OK\r\ngarbage\r\n'));
		assert.deepEqual(result.items, [{type: 'reply', reply: {code: 250, lines: [{code: 250, text: 'OK'}]}}]);
		assert.ok(result.error instanceof ControlProtocolError);
	});

	it('refuses a line longer than the limit, even before its newline arrives', () => {
		const parser = new ControlParser({maxLineBytes: 16});
		const result = parser.push(Buffer.from(`250-${'x'.repeat(40)}`));
		assert.match(result.error?.message ?? '', /longer than 16 bytes/);
	});

	it('refuses a reply larger than the limit', () => {
		const parser = new ControlParser({maxMessageBytes: 64});
		const result = parser.push(Buffer.from('250+config-text=\r\n' + 'line of data\r\n'.repeat(10)));
		assert.match(result.error?.message ?? '', /larger than 64 bytes/);
	});
});

describe('quoted strings and arguments', () => {
	it('unescapes \\\\ \\" \\n \\t \\r, octal and hex escapes', () => {
		const {value, end} = readQuotedString(String.raw`"a\\b\"c\nd\te\rf\101\x42" rest`);
		assert.equal(value, 'a\\b"c\nd\te\rfAB');
		assert.equal(end, 26);
	});

	it('decodes octal escapes of UTF-8 bytes as UTF-8', () => {
		assert.equal(readQuotedString(String.raw`"/home/b\303\251a/cookie"`).value, '/home/b\u00e9a/cookie');
	});

	it('keeps unescaped non-ASCII text', () => {
		assert.equal(readQuotedString('"caf\u00e9 \u{1f600}"').value, 'caf\u00e9 \u{1f600}');
	});

	it('rejects an unterminated quoted string and an unknown escape', () => {
		assert.throws(() => readQuotedString('"no end'), ControlProtocolError);
		assert.throws(() => readQuotedString(String.raw`"bad \q"`), /unknown escape/);
	});

	it('round-trips quoteString', () => {
		const value = 'pass "word"\\ with\nnewline\r\tand tab';
		assert.equal(readQuotedString(quoteString(value)).value, value);
		assert.doesNotMatch(quoteString(value), /[\r\n]/);
	});

	it('splits positional words and KEY=VALUE arguments', () => {
		assert.deepEqual(parseArguments(String.raw`AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/run/tor/control auth \"cookie\""`), {
			positional: ['AUTH'],
			keywords: {METHODS: 'COOKIE,SAFECOOKIE', COOKIEFILE: '/run/tor/control auth "cookie"'},
		});
		assert.deepEqual(parseArguments('HS_DESC UPLOAD abc UNKNOWN $AAAA~relay "quoted word" REASON=UPLOAD_REJECTED'), {
			positional: ['HS_DESC', 'UPLOAD', 'abc', 'UNKNOWN', '$AAAA~relay', 'quoted word'],
			keywords: {REASON: 'UPLOAD_REJECTED'},
		});
	});
});
