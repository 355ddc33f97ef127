import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {stripControl, stripControlKeepNewlines} from '../../source/keys/index.js';

const esc = '\u001B';

describe('stripControl', () => {
	it('removes SGR colours and cursor movement whole', () => {
		assert.equal(stripControl(`${esc}[31;1mred${esc}[0m ${esc}[2J${esc}[H${esc}[10;20Hmoved${esc}[?25l`), 'red moved');
	});

	it('removes OSC 8 hyperlinks, keeping the visible text', () => {
		assert.equal(stripControl(`${esc}]8;;https://evil.example/${esc}\\click here${esc}]8;;${esc}\\`), 'click here');
		assert.equal(stripControl(`${esc}]8;;https://evil.example/\u0007click${esc}]8;;\u0007`), 'click');
	});

	it('removes OSC 52 clipboard writes with BEL and with ST terminators', () => {
		assert.equal(stripControl(`a${esc}]52;c;cm0gLXJmIH4K\u0007b`), 'ab');
		assert.equal(stripControl(`a${esc}]52;c;cm0gLXJmIH4K${esc}\\b`), 'ab');
		assert.equal(stripControl(`a\u009D52;c;cm0gLXJmIH4K\u009Cb`), 'ab');
	});

	it('removes an unterminated OSC to the end, as a terminal would swallow it', () => {
		assert.equal(stripControl(`title${esc}]0;pwned`), 'title');
	});

	it('removes DCS, SOS, PM and APC strings', () => {
		assert.equal(stripControl(`x${esc}P1$r0m${esc}\\y${esc}Xsos${esc}\\z${esc}^pm${esc}\\w${esc}_apc${esc}\\v`), 'xyzwv');
		assert.equal(stripControl('x\u0090q\u009Cy'), 'xy');
	});

	it('removes 8-bit C1 controls, including 8-bit CSI sequences', () => {
		assert.equal(stripControl('a\u009B31mb\u0085c\u008Dd'), 'abcd');
	});

	it('removes other ESC sequences and C0 controls; tab becomes a space, CR and LF go', () => {
		assert.equal(stripControl(`a${esc}cb${esc}(Bc\u0000\u0007\u0008\u007Fd\te\r\nf${esc}`), 'abcd ef');
	});

	it('removes bidi overrides, isolates and marks', () => {
		assert.equal(stripControl('\u202Egnp.exe\u202C \u2066x\u2069 \u200E\u200F\u061Cy\u202A\u202B\u202D\u2067\u2068'), 'gnp.exe x y');
	});

	it('keeps ordinary Unicode: CJK, emoji with ZWJ and skin tones, combining marks', () => {
		const text = '你好 世界 こんにちは 👩🏽‍💻 🇩🇪 e\u0301 ñ Ω';
		assert.equal(stripControl(text), text);
	});
});

describe('stripControlKeepNewlines', () => {
	it('keeps \\n, drops \\r, turns U+2028/2029 into \\n, and still strips escapes', () => {
		assert.equal(stripControlKeepNewlines(`line 1\r\nline 2\u2028line 3${esc}[31m!${esc}]52;c;eA==\u0007`), 'line 1\nline 2\nline 3!');
	});

	it('stripControl joins what stripControlKeepNewlines keeps apart', () => {
		assert.equal(stripControl('a\nb\u2029c'), 'abc');
	});
});
