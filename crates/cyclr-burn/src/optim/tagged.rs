//! Reading [`OptimizerConfig`]: the `kind` tag picks the family configuration that reads the
//! other keys, and the two shorthand kinds (`nesterov`, `adamw`) are read by their family with
//! one key fixed.
//!
//! This is serde's internally tagged enum, written out because two tags map to one variant
//! (which `#[derive(Deserialize)]` cannot say without a second enum): like serde's, it reads the
//! whole map ahead (the tag need not come first) into a [`Content`], then hands that to the
//! family's derived `Deserialize`. It behaves as the derived one did, error messages included
//! (pinned by `tests/optimizer_serde.rs`): the variant names, their order and indices are
//! [`OptimizerConfig::NAMES`], and a non-map input is "expected internally tagged enum
//! RawOptimizer" (the name of the serde mirror type this replaced, kept so that messages do not
//! change).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapDeserializer, SeqAccessDeserializer, SeqDeserializer};
use serde::de::{
    self, Deserialize, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};

use super::{
    AdadeltaConfig, AdagradConfig, AdamConfig, AdamWScheduleFreeConfig, DAdaptAdam, DAdaptSgd,
    OptimizerConfig, Prodigy, RmspropConfig, SgdConfig, SgdScheduleFreeConfig,
};

const TAG: &str = "kind";

impl<'de> Deserialize<'de> for OptimizerConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (kind, content) = deserializer.deserialize_any(TaggedVisitor)?;
        let d = ContentDeserializer::<D::Error>::new(content);
        Ok(match kind {
            "sgd" => OptimizerConfig::Sgd(SgdConfig::deserialize(d)?),
            "nesterov" => OptimizerConfig::Sgd(SgdConfig::deserialize_nesterov(d)?),
            "adam" => OptimizerConfig::Adam(AdamConfig::deserialize(d)?),
            "adamw" => OptimizerConfig::Adam(AdamConfig::deserialize_adamw(d)?),
            "rmsprop" => OptimizerConfig::Rmsprop(RmspropConfig::deserialize(d)?),
            "adagrad" => OptimizerConfig::Adagrad(AdagradConfig::deserialize(d)?),
            "adadelta" => OptimizerConfig::Adadelta(AdadeltaConfig::deserialize(d)?),
            "sgd-schedulefree" => {
                OptimizerConfig::SgdScheduleFree(SgdScheduleFreeConfig::deserialize(d)?)
            }
            "adamw-schedulefree" => {
                OptimizerConfig::AdamwScheduleFree(AdamWScheduleFreeConfig::deserialize(d)?)
            }
            "prodigy" => OptimizerConfig::Prodigy(Prodigy::deserialize(d)?),
            "dadapt-adam" => OptimizerConfig::DadaptAdam(DAdaptAdam::deserialize(d)?),
            "dadapt-sgd" => OptimizerConfig::DadaptSgd(DAdaptSgd::deserialize(d)?),
            other => unreachable!("{other:?} is not in OptimizerConfig::NAMES"),
        })
    }
}

/// The `kind` value: one of [`OptimizerConfig::NAMES`] (by name, or by index as serde's variant
/// identifiers also accept).
struct Kind(&'static str);

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KindVisitor)
    }
}

struct KindVisitor;

impl KindVisitor {
    fn by_name<E: de::Error>(name: &str) -> Result<Kind, E> {
        OptimizerConfig::NAMES
            .into_iter()
            .find(|n| *n == name)
            .map(Kind)
            .ok_or_else(|| E::unknown_variant(name, &OptimizerConfig::NAMES))
    }
}

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        let names = OptimizerConfig::NAMES;
        match usize::try_from(v).ok().and_then(|i| names.get(i)) {
            Some(n) => Ok(Kind(n)),
            None => Err(E::invalid_value(
                Unexpected::Unsigned(v),
                &format!("variant index 0 <= i < {}", names.len()).as_str(),
            )),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Self::by_name(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Kind, E> {
        Self::by_name(&String::from_utf8_lossy(v))
    }
}

/// Reads a map (or a sequence, tag first) into its tag and the rest, as serde's
/// `TaggedContentVisitor` does.
struct TaggedVisitor;

impl<'de> Visitor<'de> for TaggedVisitor {
    type Value = (&'static str, Content);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("internally tagged enum RawOptimizer")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let Some(Kind(kind)) = seq.next_element()? else {
            return Err(de::Error::missing_field(TAG));
        };
        let rest = Content::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok((kind, rest))
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut kind = None;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Content>()? {
            if key.is_str(TAG) {
                if kind.is_some() {
                    return Err(de::Error::duplicate_field(TAG));
                }
                kind = Some(map.next_value::<Kind>()?.0);
            } else {
                entries.push((key, map.next_value::<Content>()?));
            }
        }
        match kind {
            None => Err(de::Error::missing_field(TAG)),
            Some(kind) => Ok((kind, Content::Map(entries))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A value read ahead, and read again by the family's Deserialize (serde's private `Content`).
// ---------------------------------------------------------------------------------------------

/// Any value a self-describing format gives.
enum Content {
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Char(char),
    String(String),
    Bytes(Vec<u8>),
    Unit,
    None,
    Some(Box<Content>),
    Newtype(Box<Content>),
    Seq(Vec<Content>),
    Map(Vec<(Content, Content)>),
}

impl Content {
    fn is_str(&self, s: &str) -> bool {
        match self {
            Content::String(v) => v == s,
            Content::Bytes(v) => v == s.as_bytes(),
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Content, E> {
        Ok(Content::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Content, E> {
        Ok(Content::I64(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Content, E> {
        Ok(Content::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Content, E> {
        Ok(Content::F64(v))
    }
    fn visit_char<E>(self, v: char) -> Result<Content, E> {
        Ok(Content::Char(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Content, E> {
        Ok(Content::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Content, E> {
        Ok(Content::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Content, E> {
        Ok(Content::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Content, E> {
        Ok(Content::Bytes(v))
    }
    fn visit_unit<E>(self) -> Result<Content, E> {
        Ok(Content::Unit)
    }
    fn visit_none<E>(self) -> Result<Content, E> {
        Ok(Content::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Content, D::Error> {
        Ok(Content::Some(Box::new(Content::deserialize(d)?)))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Content, D::Error> {
        Ok(Content::Newtype(Box::new(Content::deserialize(d)?)))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Content, S::Error> {
        let mut v = Vec::new();
        while let Some(e) = seq.next_element()? {
            v.push(e);
        }
        Ok(Content::Seq(v))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Content, M::Error> {
        let mut v = Vec::new();
        while let Some(kv) = map.next_entry()? {
            v.push(kv);
        }
        Ok(Content::Map(v))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<Content, A::Error> {
        Err(de::Error::custom(
            "untagged and internally tagged enums do not support enum input",
        ))
    }
}

/// Deserializes a [`Content`] with the outer deserializer's error type.
struct ContentDeserializer<E> {
    content: Content,
    err: PhantomData<E>,
}

impl<E> ContentDeserializer<E> {
    fn new(content: Content) -> Self {
        ContentDeserializer {
            content,
            err: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Content {
    type Deserializer = ContentDeserializer<E>;
    fn into_deserializer(self) -> ContentDeserializer<E> {
        ContentDeserializer::new(self)
    }
}

impl<'de, E: de::Error> Deserializer<'de> for ContentDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Bool(v) => visitor.visit_bool(v),
            Content::U64(v) => visitor.visit_u64(v),
            Content::I64(v) => visitor.visit_i64(v),
            Content::F64(v) => visitor.visit_f64(v),
            Content::Char(v) => visitor.visit_char(v),
            Content::String(v) => visitor.visit_string(v),
            Content::Bytes(v) => visitor.visit_byte_buf(v),
            Content::Unit => visitor.visit_unit(),
            Content::None => visitor.visit_none(),
            Content::Some(v) => visitor.visit_some(ContentDeserializer::new(*v)),
            Content::Newtype(v) => visitor.visit_newtype_struct(ContentDeserializer::new(*v)),
            Content::Seq(v) => {
                let mut seq = SeqDeserializer::new(v.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Content::Map(v) => {
                let mut map = MapDeserializer::new(v.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::None => visitor.visit_none(),
            Content::Some(v) => visitor.visit_some(ContentDeserializer::new(*v)),
            Content::Unit => visitor.visit_unit(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.content {
            Content::Newtype(v) => visitor.visit_newtype_struct(ContentDeserializer::new(*v)),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}
