//! A small msgpack decoder and encoder, enough for CEP-16 shards and shard indexes.
//!
//! The encoder writes what rmp-serde's `to_vec_named` writes: the smallest integer form
//! (positive fixint, uint 8/16/32/64, negative fixint, int 8/16/32/64), str as
//! fixstr/str8/str16/str32, bin 8/16/32, fixmap/map16/map32, fixarray/array16/array32,
//! float64 for floats. The decoder reads every msgpack type (ext values are refused), with a
//! nesting limit so that hostile input cannot exhaust the stack.

/// A decoded msgpack value. Maps keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// nil
    Nil,
    /// true/false
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    /// float 32 or 64.
    Float(f64),
    /// str (valid UTF-8).
    Str(String),
    /// bin
    Bin(Vec<u8>),
    /// array
    Array(Vec<Value>),
    /// map
    Map(Vec<(Value, Value)>),
}

/// A decoding failure at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where.
    pub offset: usize,
    /// What.
    pub message: &'static str,
}

const MAX_DEPTH: usize = 128;

struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn fail<T>(&self, message: &'static str) -> Result<T, DecodeError> {
        Err(DecodeError { offset: self.pos, message })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => self.fail("unexpected end of data"),
        }
    }

    fn uint(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self.take(n)?.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    }

    fn len(&mut self, n: usize) -> Result<usize, DecodeError> {
        let len = self.uint(n)? as usize;
        // Every element takes at least one byte: a length beyond the data is truncation.
        if len > self.data.len() - self.pos {
            return self.fail("length beyond the end of data");
        }
        Ok(len)
    }

    fn string(&mut self, len: usize) -> Result<Value, DecodeError> {
        let at = self.pos;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Value::Str(s.to_owned())),
            Err(_) => Err(DecodeError { offset: at, message: "invalid UTF-8 in a str" }),
        }
    }

    fn array(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let mut out = Vec::with_capacity(len.min(4096));
        for _ in 0..len {
            out.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(out))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let mut out = Vec::with_capacity(len.min(4096));
        for _ in 0..len {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            out.push((k, v));
        }
        Ok(Value::Map(out))
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return self.fail("nesting too deep");
        }
        let marker = self.take(1)?[0];
        Ok(match marker {
            0x00..=0x7f => Value::UInt(u64::from(marker)),
            0x80..=0x8f => return self.map(usize::from(marker & 0x0f), depth),
            0x90..=0x9f => return self.array(usize::from(marker & 0x0f), depth),
            0xa0..=0xbf => return self.string(usize::from(marker & 0x1f)),
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (marker - 0xc4))?;
                Value::Bin(self.take(n)?.to_vec())
            }
            0xca => Value::Float(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => Value::Float(f64::from_bits(self.uint(8)?)),
            0xcc..=0xcf => Value::UInt(self.uint(1 << (marker - 0xcc))?),
            0xd0 => Value::Int(i64::from(self.uint(1)? as u8 as i8)),
            0xd1 => Value::Int(i64::from(self.uint(2)? as u16 as i16)),
            0xd2 => Value::Int(i64::from(self.uint(4)? as u32 as i32)),
            0xd3 => Value::Int(self.uint(8)? as i64),
            0xd9..=0xdb => {
                let n = self.len(1 << (marker - 0xd9))?;
                return self.string(n);
            }
            0xdc | 0xdd => {
                let n = self.len(if marker == 0xdc { 2 } else { 4 })?;
                return self.array(n, depth);
            }
            0xde | 0xdf => {
                let n = self.len(if marker == 0xde { 2 } else { 4 })?;
                return self.map(n, depth);
            }
            0xe0..=0xff => Value::Int(i64::from(marker as i8)),
            _ => {
                self.pos -= 1;
                return self.fail("unsupported msgpack type (ext or reserved)");
            }
        })
        .map(|v| match v {
            // Normalise non-negative signed integers so equal numbers compare equal.
            Value::Int(i) if i >= 0 => Value::UInt(i as u64),
            v => v,
        })
    }
}

/// Decodes exactly one value filling `data`.
pub fn decode(data: &[u8]) -> Result<Value, DecodeError> {
    let mut d = Decoder { data, pos: 0 };
    let v = d.value(0)?;
    if d.pos != data.len() {
        return d.fail("data after the value");
    }
    Ok(v)
}

impl Value {
    /// The string, if this is a str.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entry under string key `key`, if this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// As JSON: bin becomes an array of byte values, map keys must be strings.
    pub fn to_json(&self) -> Result<serde_json::Value, &'static str> {
        use serde_json::Value as J;
        Ok(match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::UInt(u) => J::from(*u),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).ok_or("a float that is not finite")?,
            Value::Str(s) => J::String(s.clone()),
            Value::Bin(b) => J::Array(b.iter().map(|x| J::from(*x)).collect()),
            Value::Array(a) => J::Array(a.iter().map(Value::to_json).collect::<Result<_, _>>()?),
            Value::Map(m) => {
                let mut out = serde_json::Map::new();
                for (k, v) in m {
                    let k = k.as_str().ok_or("a map key that is not a string")?;
                    out.insert(k.to_owned(), v.to_json()?);
                }
                J::Object(out)
            }
        })
    }
}

/// Appends msgpack to a vector, in rmp's encoding choices.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The bytes written so far.
    pub out: Vec<u8>,
}

impl Encoder {
    fn sized(&mut self, len: usize, fix: Option<(u8, usize)>, m8: Option<u8>, m16: u8, m32: u8) {
        match fix {
            Some((base, max)) if len <= max => self.out.push(base | len as u8),
            _ => match m8 {
                Some(m) if len <= 0xff => self.out.extend_from_slice(&[m, len as u8]),
                _ if len <= 0xffff => {
                    self.out.push(m16);
                    self.out.extend_from_slice(&(len as u16).to_be_bytes());
                }
                _ => {
                    self.out.push(m32);
                    self.out.extend_from_slice(&(len as u32).to_be_bytes());
                }
            },
        }
    }

    /// nil
    pub fn nil(&mut self) {
        self.out.push(0xc0);
    }
    /// true/false
    pub fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xc3 } else { 0xc2 });
    }
    /// An unsigned integer, smallest form.
    pub fn uint(&mut self, v: u64) {
        if v < 128 {
            self.out.push(v as u8);
        } else if v <= 0xff {
            self.out.extend_from_slice(&[0xcc, v as u8]);
        } else if v <= 0xffff {
            self.out.push(0xcd);
            self.out.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            self.out.push(0xce);
            self.out.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            self.out.push(0xcf);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }
    /// A signed integer, smallest form (non-negative values as unsigned, as rmp does).
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.uint(v as u64);
        } else if v >= -32 {
            self.out.push(v as i8 as u8);
        } else if v >= -128 {
            self.out.extend_from_slice(&[0xd0, v as i8 as u8]);
        } else if v >= -32768 {
            self.out.push(0xd1);
            self.out.extend_from_slice(&(v as i16).to_be_bytes());
        } else if v >= -2_147_483_648 {
            self.out.push(0xd2);
            self.out.extend_from_slice(&(v as i32).to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }
    /// float 64
    pub fn f64(&mut self, v: f64) {
        self.out.push(0xcb);
        self.out.extend_from_slice(&v.to_bits().to_be_bytes());
    }
    /// str
    pub fn str(&mut self, s: &str) {
        self.sized(s.len(), Some((0xa0, 31)), Some(0xd9), 0xda, 0xdb);
        self.out.extend_from_slice(s.as_bytes());
    }
    /// bin
    pub fn bin(&mut self, b: &[u8]) {
        self.sized(b.len(), None, Some(0xc4), 0xc5, 0xc6);
        self.out.extend_from_slice(b);
    }
    /// An array header for `len` elements.
    pub fn array(&mut self, len: usize) {
        self.sized(len, Some((0x90, 15)), None, 0xdc, 0xdd);
    }
    /// A map header for `len` entries.
    pub fn map(&mut self, len: usize) {
        self.sized(len, Some((0x80, 15)), None, 0xde, 0xdf);
    }
    /// A list of strings.
    pub fn strs(&mut self, list: &[String]) {
        self.array(list.len());
        for s in list {
            self.str(s);
        }
    }
    /// A JSON value, as rmp-serde writes serde_json's `Value`.
    pub fn json(&mut self, v: &serde_json::Value) {
        use serde_json::Value as J;
        match v {
            J::Null => self.nil(),
            J::Bool(b) => self.bool(*b),
            J::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => self.uint(u),
                (None, Some(i)) => self.int(i),
                _ => self.f64(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => self.str(s),
            J::Array(a) => {
                self.array(a.len());
                for x in a {
                    self.json(x);
                }
            }
            J::Object(m) => {
                self.map(m.len());
                for (k, x) in m {
                    self.str(k);
                    self.json(x);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_width() {
        let mut e = Encoder::default();
        let ints: [i64; 12] = [0, 127, 128, 255, 256, 65536, -1, -32, -33, -129, -40000, i64::MIN];
        e.array(ints.len() + 4);
        for i in ints {
            e.int(i);
        }
        e.uint(u64::MAX);
        e.str(&"x".repeat(40));
        e.bin(&[7; 300]);
        e.map(1);
        e.str("k");
        e.f64(1.5);
        let v = decode(&e.out).unwrap();
        let Value::Array(items) = v else { panic!("not an array") };
        assert_eq!(items[0], Value::UInt(0));
        assert_eq!(items[11], Value::Int(i64::MIN));
        assert_eq!(items[10], Value::Int(-40000));
        assert_eq!(items[12], Value::UInt(u64::MAX));
        assert_eq!(items[13], Value::Str("x".repeat(40)));
        assert_eq!(items[14], Value::Bin(vec![7; 300]));
        assert_eq!(items[15].get("k"), Some(&Value::Float(1.5)));
        // str8 for 32..=255 bytes, as rmp writes it.
        let tail = 40 + 2 + 300 + 3 + 1 + 2 + 9;
        assert_eq!(&e.out[e.out.len() - tail..][..2], &[0xd9, 40]);
    }

    #[test]
    fn truncation_and_hostile_lengths_are_errors() {
        let mut e = Encoder::default();
        e.map(2);
        e.str("a");
        e.strs(&["b".into(), "c".into()]);
        e.str("d");
        e.bin(b"xyz");
        for cut in 0..e.out.len() {
            assert!(decode(&e.out[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode(&[0x91; 1000]).is_err());
        assert!(decode(&[0xc1]).is_err());
    }
}
