import assert from 'node:assert/strict'

import {inert, safeJson, truncate} from '../../src/ui/text.js'

// Anything a terminal would act on, or that hides from a reader, must never survive inert().
const DANGEROUS = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]|[\u{E0000}-\u{E007F}]/u

describe('inert', () => {
  it('neutralises a CSI colour sequence, leaving a visible escape', () => {
    const out = inert('\u001B[31mred\u001B[0m')
    assert.equal(out, '\\x1b[31mred\\x1b[0m')
    assert.doesNotMatch(out, DANGEROUS)
  })

  it('neutralises an OSC 8 hyperlink (BEL and ST terminated)', () => {
    const out = inert('\u001B]8;;https://evil.example\u0007click\u001B]8;;\u001B\\')
    assert.equal(out, '\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x1b\\')
    assert.doesNotMatch(out, DANGEROUS)
  })

  it('neutralises the 8-bit CSI introducer and other C1 controls', () => {
    assert.equal(inert('a\u009B2Jb\u0085c'), 'a\\x9b2Jb\\x85c')
    assert.equal(inert('del\u007F'), 'del\\x7f')
  })

  it('turns \\r into a space so nothing can be overwritten', () => {
    const out = inert('Reads a file\rDeletes everything')
    assert.equal(out, 'Reads a file Deletes everything')
    assert.ok(!out.includes('\r'))
  })

  it('folds newlines and tabs into single spaces', () => {
    assert.equal(inert('one\r\ntwo\n\nthree\tfour'), 'one two three four')
  })

  it('makes bidi overrides, zero-width characters and separators visible', () => {
    assert.equal(inert('safe\u202Eexe.txt'), 'safe\\u202eexe.txt')
    assert.equal(inert('get\u200B_ticket'), 'get\\u200b_ticket')
    assert.equal(inert('a\u2066b\u2069c\u200Fd\u061Ce\uFEFFf\u2028g\u2029h\u2060i'),
      'a\\u2066b\\u2069c\\u200fd\\u061ce\\ufefff\\u2028g\\u2029h\\u2060i')
  })

  it('makes invisible tag characters (hidden instructions) visible', () => {
    const hidden = [...'ignore'].map((c) => String.fromCodePoint(0xE0000 + c.codePointAt(0)!)).join('')
    const out = inert(`Lists files${hidden}`)
    assert.equal(out, 'Lists files\\u{e0069}\\u{e0067}\\u{e006e}\\u{e006f}\\u{e0072}\\u{e0065}')
  })

  it('makes other invisible characters visible: Hangul fillers, variation-selector payloads', () => {
    assert.equal(inert('get\u3164ticket'), 'get\\u3164ticket')
    assert.equal(inert('ok\u{E0100}\u{E01EF}'), 'ok\\u{e0100}\\u{e01ef}')
    assert.equal(inert('soft\u00ADhyphen'), 'soft\\xadhyphen')
  })

  it('keeps ordinary Unicode text, including emoji presentation selectors', () => {
    for (const text of ['Café résumé', '日本語のチケット', 'emoji 🎫', 'Ελληνικά', 'עברית', '\u2764\uFE0F', 'NBSP\u00A0ok']) {
      assert.equal(inert(text), text)
    }
  })

  it('leaves nothing dangerous in any character of the BMP', () => {
    let all = ''
    for (let code = 0; code < 0x10000; code++) if (code < 0xD800 || code > 0xDFFF) all += String.fromCharCode(code)
    assert.doesNotMatch(inert(all), DANGEROUS)
  })
})

describe('truncate', () => {
  it('keeps short text and cuts long text with an ellipsis', () => {
    assert.equal(truncate('short', 10), 'short')
    assert.equal(truncate('exactly10!', 10), 'exactly10!')
    assert.equal(truncate('a longer description', 10), 'a longer …')
    assert.equal([...truncate('a longer description', 10)].length, 10)
    assert.equal(truncate('abc', 0), '')
    assert.equal(truncate('abc', 1), '…')
  })

  it('never splits a surrogate pair', () => {
    assert.equal(truncate('🎫🎫🎫', 3), '🎫🎫🎫')
    assert.equal(truncate('🎫🎫🎫🎫', 3), '🎫🎫…')
  })

  it('truncates a 50 MB string (speed is for `npm run bench`, not a timed test)', () => {
    const huge = 'x'.repeat(50_000_000)
    assert.equal(truncate(huge, 5), 'xxxx…')
  })
})

describe('safeJson', () => {
  const hostile = {
    description: 'Reads\u202Efdp.exe \u200B\u2028\u2029\u0085\u007F\u001B[2J\r\n\t and \u{E0041}',
    nested: [{name: 'get_\u2066x\u2069', ok: true}, 1.5, null],
    plain: 'Café 日本 🎫',
    'key\u202E': 'bidi in a key',
  }

  it('parses back to the identical value', () => {
    assert.deepEqual(JSON.parse(safeJson(hostile)), hostile)
    assert.deepEqual(JSON.parse(safeJson(hostile, 0)), hostile)
  })

  it('contains no raw control, bidi or invisible characters', () => {
    const json = safeJson(hostile)
    // The only raw control character allowed is the newline of the indented layout.
    assert.doesNotMatch(json.replaceAll('\n', ''), DANGEROUS)
    assert.doesNotMatch(safeJson(hostile, 0), DANGEROUS)
    assert.ok(!json.includes('\u202E'))
    assert.ok(json.includes('\\u202e'))
    assert.ok(json.includes('Café 日本 🎫'))
  })

  it('keeps JSON.stringify layout and writes undefined as null', () => {
    assert.equal(safeJson({a: 1}), '{\n  "a": 1\n}')
    assert.equal(safeJson({a: 1}, 0), '{"a":1}')
    assert.equal(safeJson(undefined), 'null')
  })
})
