//! The request object (`id`, `features` or `instances`, other keys ignored) and the `instances` list,
//! whose row count is checked before a bad row is reported.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::context::Ctx;
use super::row::RowSeed;
use super::{is_scalar, RequestError};

pub(super) struct RequestSeed<'a, 's> {
    pub(super) ctx: &'a mut Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for RequestSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a request object with \"features\" or \"instances\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id => {
                    let id: Value = map.next_value()?;
                    if !is_scalar(&id) {
                        return Err(ctx.fail(RequestError::invalid(
                            "\"id\" must be a string, number, bool or null",
                        )));
                    }
                    ctx.id = Some(id);
                }
                Key::Features | Key::Instances => {
                    if ctx.single.is_some() {
                        return Err(ctx.fail(RequestError::invalid(
                            "send either \"features\" or \"instances\", not both",
                        )));
                    }
                    let single = matches!(key, Key::Features);
                    ctx.single = Some(single);
                    if single {
                        map.next_value_seed(RowSeed { ctx: &mut *ctx })?;
                    } else {
                        map.next_value_seed(InstancesSeed { ctx: &mut *ctx })?;
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A top-level key; unknown keys are ignored so producers may add metadata.
enum Key {
    Id,
    Features,
    Instances,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "id" => Key::Id,
                    "features" => Key::Features,
                    "instances" => Key::Instances,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

pub(super) struct InstancesSeed<'a, 's> {
    pub(super) ctx: &'a mut Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for InstancesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for InstancesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"instances\" as a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let limit = ctx.schema.max_instances;
        ctx.in_batch = true;
        let mut seen = 0;
        loop {
            if seen == limit || ctx.deferred.is_some() {
                // Count the rest without storing it: too many rows is reported before a bad row.
                let mut got = seen;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    got += 1;
                }
                if got > limit {
                    return Err(ctx.fail(RequestError::TooManyInstances { got, limit }));
                }
                return match ctx.deferred.take() {
                    Some(error) => Err(ctx.fail(error)),
                    None => Ok(()),
                };
            }
            if seq.next_element_seed(RowSeed { ctx: &mut *ctx })?.is_none() {
                return Ok(());
            }
            seen += 1;
        }
    }
}
