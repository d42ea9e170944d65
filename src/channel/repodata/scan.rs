//! A byte-level JSON scanner over `std::io::Read` for the streaming repodata reader.
//!
//! It reads the document through one fixed buffer: object keys are decoded (escapes and
//! all), values the caller wants are captured as raw bytes (for serde_json to build), and
//! values it does not want are skipped at memory speed by tracking strings and bracket
//! nesting only. A skipped value is checked for balanced brackets and terminated strings,
//! not for full JSON grammar; everything that is built is parsed strictly by serde_json.

use std::io::{self, Read};

use super::json_blocks;

const BUF_SIZE: usize = 256 * 1024;

/// The index of the first `"` or `\\` in `s`. Eight bytes at a time: repodata strings are
/// short (keys, versions, hashes), where a call to `memchr2` per string cost more than the
/// search itself (measured: 0.12 s of 0.37 s for an 80 MB document).
fn string_stop(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = LO * b'"' as u64;
    const SLASHES: u64 = LO * b'\\' as u64;
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let (q, b) = (w ^ QUOTES, w ^ SLASHES);
        // A zero byte of q or b sets its high bit; a false positive can only sit above a
        // true one, so the lowest bit set is always the first match.
        let hit = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b)) & HI;
        if hit != 0 {
            return Some(at + (hit.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&c| c == b'"' || c == b'\\').map(|p| at + p)
}

/// Where the scanner's bytes come from, a buffer at a time: any reader (read into the
/// scanner's own buffer), or chunks handed over whole (no copy).
pub(crate) trait Source {
    /// Makes `buf[..n]` the next bytes and returns `n`; 0 at the end.
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> io::Result<usize>;
}

impl<R: Read> Source for R {
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        if buf.len() < BUF_SIZE {
            buf.resize(BUF_SIZE, 0);
        }
        loop {
            match self.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }
}

/// Why scanning stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    Io(io::Error),
    Syntax { offset: u64, message: String },
}

pub(crate) type Scan<T> = Result<T, ScanError>;

/// The scanner; `offset()` is the position in the (decompressed) stream.
pub(crate) struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    base: u64,
    eof: bool,
    capture_from: Option<usize>,
    captured: Vec<u8>,
    stack: Vec<u8>,
}

impl<R: Source> Scanner<R> {
    pub(crate) fn new(reader: R) -> Self {
        Scanner {
            reader,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            capture_from: None,
            captured: Vec::new(),
            stack: Vec::new(),
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn error<T>(&self, message: impl Into<String>) -> Scan<T> {
        Err(ScanError::Syntax { offset: self.offset(), message: message.into() })
    }

    /// Reads the next chunk once everything before `end` is consumed; false at the end.
    fn refill(&mut self) -> Scan<bool> {
        debug_assert_eq!(self.pos, self.end);
        if self.eof {
            return Ok(false);
        }
        if let Some(from) = self.capture_from {
            self.captured.extend_from_slice(&self.buf[from..self.end]);
            self.capture_from = Some(0);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        match self.reader.next_chunk(&mut self.buf) {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(n) => {
                self.end = n.min(self.buf.len());
                Ok(true)
            }
            Err(e) => Err(ScanError::Io(e)),
        }
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end.
    pub(crate) fn peek_nonspace(&mut self) -> Scan<Option<u8>> {
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes the next non-whitespace byte if it is `want`.
    pub(crate) fn expect(&mut self, want: u8, what: &str) -> Scan<()> {
        match self.peek_nonspace()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => self.error(format!("expected {what}")),
            None => self.error(format!("unexpected end of data, expected {what}")),
        }
    }

    /// After a member: consumes `,` (true: another follows) or `close` (false).
    pub(crate) fn comma_or(&mut self, close: u8) -> Scan<bool> {
        match self.peek_nonspace()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => self.error(format!("expected ',' or '{}'", close as char)),
            None => self.error("unexpected end of data inside an object"),
        }
    }

    /// Reads an object key (or any string) into `out`, escapes decoded.
    pub(crate) fn read_string(&mut self, out: &mut String) -> Scan<()> {
        self.expect(b'"', "a string")?;
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        loop {
            let start = self.pos;
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            bytes.extend_from_slice(&self.buf[start..self.pos]);
            if self.pos == self.end {
                if !self.refill()? {
                    return self.error("unexpected end of data inside a string");
                }
                continue;
            }
            let b = self.buf[self.pos];
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => self.read_escape(&mut bytes)?,
                _ => return self.error("control character inside a string"),
            }
        }
        match String::from_utf8(bytes) {
            Ok(s) => {
                *out = s;
                Ok(())
            }
            Err(_) => self.error("invalid UTF-8 in a string"),
        }
    }

    fn next_byte(&mut self) -> Scan<u8> {
        if self.pos == self.end && !self.refill()? {
            return self.error("unexpected end of data inside a string");
        }
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }

    fn hex4(&mut self) -> Scan<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.next_byte()?;
            let d = match (b as char).to_digit(16) {
                Some(d) => d,
                None => return self.error("bad \\u escape"),
            };
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn read_escape(&mut self, out: &mut Vec<u8>) -> Scan<()> {
        let c = match self.next_byte()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if self.next_byte()? != b'\\' || self.next_byte()? != b'u' {
                        return self.error("unpaired surrogate in \\u escape");
                    }
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return self.error("unpaired surrogate in \\u escape");
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                match char::from_u32(code) {
                    Some(c) => c,
                    None => return self.error("unpaired surrogate in \\u escape"),
                }
            }
            _ => return self.error("bad escape in a string"),
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        Ok(())
    }

    /// Starts capturing at the next non-whitespace byte.
    pub(crate) fn begin_capture(&mut self) -> Scan<()> {
        self.peek_nonspace()?;
        self.captured.clear();
        self.capture_from = Some(self.pos);
        Ok(())
    }

    /// Ends the capture; the bytes of the value(s) read since `begin_capture` (straight from
    /// the buffer when no refill happened in between, the usual case).
    pub(crate) fn end_capture(&mut self) -> &[u8] {
        if let Some(from) = self.capture_from.take() {
            if self.captured.is_empty() {
                return &self.buf[from..self.pos];
            }
            self.captured.extend_from_slice(&self.buf[from..self.pos]);
        }
        &self.captured
    }

    /// Skips one value of any kind (checked as described in the module docs).
    pub(crate) fn skip_value(&mut self) -> Scan<()> {
        match self.peek_nonspace()? {
            None => self.error("unexpected end of data, expected a value"),
            Some(b'{' | b'[') => self.skip_nested(),
            Some(b'"') => {
                self.pos += 1;
                self.skip_string_body()
            }
            Some(b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => self.skip_scalar(),
            Some(_) => self.error("expected a value"),
        }
    }

    fn skip_scalar(&mut self) -> Scan<()> {
        let mut len = 0usize;
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
                    return Ok(());
                }
                self.pos += 1;
                len += 1;
                if len > 4096 {
                    return self.error("number or literal too long");
                }
            }
            if !self.refill()? {
                return Ok(());
            }
        }
    }

    /// After the opening quote: to just past the closing quote.
    fn skip_string_body(&mut self) -> Scan<()> {
        loop {
            match string_stop(&self.buf[self.pos..self.end]) {
                Some(i) => {
                    let b = self.buf[self.pos + i];
                    self.pos += i + 1;
                    if b == b'"' {
                        return Ok(());
                    }
                    // A backslash: the next byte is escaped, whatever it is.
                    if self.pos == self.end && !self.refill()? {
                        return self.error("unexpected end of data inside a string");
                    }
                    self.pos += 1;
                }
                None => {
                    self.pos = self.end;
                    if !self.refill()? {
                        return self.error("unexpected end of data inside a string");
                    }
                }
            }
        }
    }

    /// Skips an object or array, 64 bytes at a time ([`json_blocks`]): only its brackets
    /// outside strings are visited, each checked against the one it closes.
    fn skip_nested(&mut self) -> Scan<()> {
        self.stack.clear();
        // All ones when the last block ended inside a string.
        let mut in_string = 0u64;
        let mut escape_next = false;
        let mut pad = [0u8; 64];
        loop {
            while self.pos < self.end {
                let avail = &self.buf[self.pos..self.end];
                let n = avail.len().min(64);
                let block: &[u8; 64] = match avail.get(..64).and_then(|b| b.try_into().ok()) {
                    Some(b) => b,
                    None => {
                        pad.fill(0);
                        pad[..n].copy_from_slice(&avail[..n]);
                        &pad
                    }
                };
                let valid = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                let c = json_blocks::classify(block);
                let backslash = c.backslash & valid;
                let escaped = if backslash == 0 && !escape_next {
                    0
                } else {
                    json_blocks::escaped(backslash, &mut escape_next, n)
                };
                let inside = json_blocks::prefix_xor(c.quote & !escaped & valid) ^ in_string;
                if backslash & !inside != 0 {
                    self.pos += (backslash & !inside).trailing_zeros() as usize;
                    return self.error("backslash outside a string");
                }
                let mut brackets = (c.open | c.close) & !inside & valid;
                while brackets != 0 {
                    let i = brackets.trailing_zeros() as usize;
                    brackets &= brackets - 1;
                    match block[i] {
                        b'{' => self.stack.push(b'}'),
                        b'[' => self.stack.push(b']'),
                        b => {
                            if self.stack.pop() != Some(b) {
                                self.pos += i;
                                return self.error("mismatched bracket");
                            }
                            if self.stack.is_empty() {
                                self.pos += i + 1;
                                return Ok(());
                            }
                        }
                    }
                }
                in_string = (inside >> 63).wrapping_neg();
                self.pos += n;
            }
            if !self.refill()? {
                return self.error("unexpected end of data inside a value");
            }
        }
    }

    /// True when only whitespace remains.
    pub(crate) fn at_end(&mut self) -> Scan<bool> {
        Ok(self.peek_nonspace()?.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_stop_finds_the_first_quote_or_backslash_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [b'"', b'\\'] {
                    let mut s: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    s[at] = stop;
                    if at + 1 < len {
                        s[at + 1] = b'"';
                    }
                    assert_eq!(string_stop(&s), Some(at), "len {len} at {at}");
                    // Bytes next to the targets (0x21, 0x5b, 0x5d, 0x01, 0x00) are no match.
                    s[at] = stop + 1;
                    let tail_ok = s[at..].iter().position(|&c| c == b'"' || c == b'\\').map(|p| at + p);
                    assert_eq!(string_stop(&s), tail_ok);
                }
            }
            let plain: Vec<u8> = (0..len).map(|i| [0u8, 1, 0x21, 0x5b, 0x5d, 0xa2, 0xdc, 0xff][i % 8]).collect();
            assert_eq!(string_stop(&plain), None, "len {len}");
        }
    }

    #[test]
    fn skipping_sees_escapes_across_buffer_refills() {
        // Strings with escaped quotes and backslashes placed across every 256 KiB boundary.
        let mut doc = String::from("[");
        let unit = r#"{"a":"x\"y\\","b":["}\\\"{",1]},"#;
        while doc.len() < BUF_SIZE * 2 + 4096 {
            doc.push_str(unit);
        }
        doc.push_str("{}]");
        for shift in 0..unit.len() {
            let text = format!("{}{doc}", " ".repeat(shift));
            let mut sc = Scanner::new(text.as_bytes());
            sc.skip_value().unwrap();
            assert!(sc.at_end().unwrap(), "shift {shift}");
        }
        let mut sc = Scanner::new(&br#"["a\"]"#[..]);
        assert!(sc.skip_value().is_err(), "an escaped closing quote leaves the string open");
    }
}
