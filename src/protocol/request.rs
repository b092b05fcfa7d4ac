//! Request bodies (JSON or plain-data pickle) parsed in one pass straight into rows in the model's
//! feature order, validated against the model's `Schema` as they are read (bounded memory, typed errors).

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::RequestError;
use super::pickle_scan;
use super::Format;
use crate::model::{Model, PredictError};

/// What a request must look like for one model, plus the size limits.
#[derive(Clone, Debug)]
pub struct Schema {
    n_features: Option<usize>,
    names: Option<Arc<[String]>>,
    /// Feature name → column. FxHash: the keys are the model's own names, and a lookup is a few
    /// times faster than with SipHash (rows sent by name in another order than the model's hash every key).
    index: FxHashMap<String, usize>,
    max_instances: usize,
    max_body_bytes: usize,
}

impl Schema {
    pub fn new(
        n_features: Option<usize>,
        names: Option<Arc<[String]>>,
        max_instances: usize,
        max_body_bytes: usize,
    ) -> Self {
        let index = names
            .iter()
            .flat_map(|n| n.iter().enumerate())
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let n_features = n_features.or(names.as_ref().map(|n| n.len()));
        Schema {
            n_features,
            names,
            index,
            max_instances: max_instances.max(1),
            max_body_bytes,
        }
    }

    pub fn for_model(model: &Model, max_instances: usize, max_body_bytes: usize) -> Self {
        Schema::new(
            model.n_features_in(),
            model.feature_names().cloned(),
            max_instances,
            max_body_bytes,
        )
    }

    /// The largest body accepted, in bytes (`worker.max_body_bytes`).
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// What a pickle body may expand to when decoded (see `pickle_scan::budget_for`).
    fn pickle_budget(&self) -> u64 {
        pickle_scan::budget_for(self.max_body_bytes)
    }

    fn known_names(&self) -> String {
        let names = self.names.as_deref().unwrap_or(&[]);
        let mut out: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
        if names.len() > 20 {
            out.push("...");
        }
        out.join(", ")
    }
}

/// Rows of one request, row-major; `text` holds the string cells by flat index (value NaN there).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub n_rows: usize,
    pub n_cols: usize,
    pub values: Vec<f64>,
    pub text: Vec<(usize, Arc<str>)>,
}

/// A parsed, validated request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The request's `id`, echoed back; `None` when absent.
    pub id: Option<Value>,
    /// `features` (one row, singular reply) rather than `instances`.
    pub single: bool,
    pub rows: Rows,
}

/// A request that cannot be answered, with whatever id could be read from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub id: Option<Value>,
    pub error: RequestError,
}

/// Parse one message body.
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
    schema: &Schema,
) -> Result<Request, Rejected> {
    let reject = |error| Rejected { id: None, error };
    if body.len() > schema.max_body_bytes {
        return Err(reject(RequestError::BodyTooLarge {
            size: body.len(),
            limit: schema.max_body_bytes,
        }));
    }
    let format = Format::from_content_type(content_type).map_err(reject)?;
    let mut ctx = Ctx::new(schema);
    let outcome = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_slice(body);
            RequestSeed { ctx: &mut ctx }
                .deserialize(&mut de)
                .and_then(|()| de.end())
                .map_err(|e| match e.classify() {
                    serde_json::error::Category::Data => RequestError::invalid(e.to_string()),
                    _ => RequestError::InvalidJson(e.to_string()),
                })
        }
        Format::Pickle => pickle_scan::check(body, schema.pickle_budget())
            .map_err(RequestError::InvalidPickle)
            .and_then(|()| {
                let options = serde_pickle::DeOptions::new().decode_strings();
                let mut de = serde_pickle::Deserializer::new(body, options);
                RequestSeed { ctx: &mut ctx }
                    .deserialize(&mut de)
                    .and_then(|()| de.end())
                    .map_err(|e| match e {
                        serde_pickle::Error::Syntax(_) => RequestError::invalid(e.to_string()),
                        _ => RequestError::InvalidPickle(e.to_string()),
                    })
            }),
    };
    let outcome = outcome.and_then(|()| ctx.finish());
    match outcome {
        Ok(request) => Ok(request),
        Err(serde_error) => {
            // A typed error recorded by a visitor wins over serde's generic one.
            let error = ctx.error.take().unwrap_or(serde_error);
            let id = ctx.id.take().or_else(|| recover_id(body, format, schema));
            Err(Rejected { id, error })
        }
    }
}

/// Parse rows given outside a request object (a Celery task's `args`/`kwargs`): `rows` is one row when
/// `single` (like `features`), else a list of rows (like `instances`), checked exactly the same way.
pub fn parse_rows(rows: &Value, single: bool, schema: &Schema) -> Result<Request, RequestError> {
    let mut ctx = Ctx::new(schema);
    ctx.single = Some(single);
    let outcome = if single {
        RowSeed { ctx: &mut ctx }.deserialize(rows)
    } else {
        InstancesSeed { ctx: &mut ctx }.deserialize(rows)
    };
    match outcome.map_err(|e| RequestError::invalid(e.to_string())) {
        Ok(()) => ctx.finish(),
        Err(serde_error) => Err(ctx.error.take().unwrap_or(serde_error)),
    }
}

/// Second look for the id of a request that failed after (or before) its id was read.
fn recover_id(body: &[u8], format: Format, schema: &Schema) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<Value>,
    }
    let found: Option<IdOnly> = match format {
        Format::Json => serde_json::from_slice(body).ok(),
        Format::Pickle => pickle_scan::check(body, schema.pickle_budget())
            .ok()
            .and_then(|()| serde_pickle::from_slice(body, serde_pickle::DeOptions::new()).ok()),
    };
    found.and_then(|f| f.id).filter(is_scalar)
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// Parse state shared by the nested seeds.
struct Ctx<'s> {
    schema: &'s Schema,
    id: Option<Value>,
    rows: Rows,
    width: Option<usize>,
    single: Option<bool>,
    error: Option<RequestError>,
    seen: Vec<bool>,
    /// Parsing `instances`: a row that was read whole but is wrong is reported after the row count.
    in_batch: bool,
    deferred: Option<RequestError>,
}

impl<'s> Ctx<'s> {
    fn new(schema: &'s Schema) -> Self {
        Ctx {
            schema,
            id: None,
            rows: Rows::default(),
            width: schema.n_features,
            single: None,
            error: None,
            seen: Vec::new(),
            in_batch: false,
            deferred: None,
        }
    }

    /// Record a typed error and return a serde error that aborts the parse.
    fn fail<E: de::Error>(&mut self, error: RequestError) -> E {
        let message = error.to_string();
        self.error.get_or_insert(error);
        E::custom(message)
    }

    /// A row that was read to its end but cannot be used: in a batch the error waits until the rows
    /// are counted (so `too_many_instances` wins); a single row fails at once.
    fn row_error<E: de::Error>(&mut self, error: RequestError) -> Result<(), E> {
        if self.in_batch {
            self.deferred.get_or_insert(error);
            Ok(())
        } else {
            Err(self.fail(error))
        }
    }

    fn finish(&mut self) -> Result<Request, RequestError> {
        let single = self.single.ok_or_else(|| {
            RequestError::invalid(
                "the request needs \"features\" (one row) or \"instances\" (a list of rows)",
            )
        })?;
        if self.rows.n_rows == 0 {
            return Err(RequestError::invalid(
                "\"instances\" is empty; send at least one row",
            ));
        }
        let mut rows = std::mem::take(&mut self.rows);
        rows.n_cols = self.width.unwrap_or(0);
        Ok(Request {
            id: self.id.take(),
            single,
            rows,
        })
    }

    fn column_name(&self, col: usize, named: bool) -> String {
        match (&self.schema.names, named) {
            (Some(names), true) => names.get(col).cloned().unwrap_or_else(|| col.to_string()),
            _ => col.to_string(),
        }
    }

    fn width_error(&self, row: usize, got: usize) -> RequestError {
        match (self.schema.n_features, self.width) {
            (Some(expected), _) => {
                RequestError::Predict(PredictError::FeatureCount { expected, got })
            }
            (None, Some(expected)) => RequestError::RaggedRows { row, expected, got },
            (None, None) => RequestError::invalid("a row is empty; send at least one feature"),
        }
    }
}

struct RequestSeed<'a, 's> {
    ctx: &'a mut Ctx<'s>,
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

struct InstancesSeed<'a, 's> {
    ctx: &'a mut Ctx<'s>,
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

/// One row, positional (a list) or by name (an object); appended to `ctx.rows`.
struct RowSeed<'a, 's> {
    ctx: &'a mut Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row: a list of numbers/null, or an object of feature name to value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let row = ctx.rows.n_rows;
        let mut col = 0;
        loop {
            if ctx.width == Some(col) {
                // Count the surplus without storing it.
                let mut got = col;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    got += 1;
                }
                if got > col {
                    let error = ctx.width_error(row, got);
                    return ctx.row_error(error);
                }
                break;
            }
            let seed = CellSeed {
                ctx: &mut *ctx,
                row,
                col,
                named: false,
            };
            // Positional cells are never text: the cell visitor refuses strings there.
            match seq.next_element_seed(seed)? {
                Some(cell) => ctx.rows.values.push(cell.number()),
                None => break,
            }
            col += 1;
        }
        match ctx.width {
            Some(w) if w == col => {}
            None if col > 0 => ctx.width = Some(col),
            _ => {
                let error = ctx.width_error(row, col);
                return ctx.row_error(error);
            }
        }
        ctx.rows.n_rows += 1;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let row = ctx.rows.n_rows;
        let Some(names) = ctx.schema.names.clone() else {
            return Err(ctx.fail(RequestError::Predict(PredictError::NoFeatureNames)));
        };
        let width = names.len();
        if ctx.width.is_some_and(|w| w != width) {
            return Err(ctx.fail(ctx.width_error(row, width)));
        }
        ctx.width = Some(width);
        let start = ctx.rows.values.len();
        ctx.rows.values.resize(start + width, f64::NAN);
        ctx.seen.clear();
        ctx.seen.resize(width, false);
        let mut columns = ColumnSeed {
            index: &ctx.schema.index,
            names: &names,
            hint: 0,
        };
        while let Some(column) = map.next_key_seed(columns)? {
            let col =
                match column {
                    Ok(col) => col,
                    Err(name) => {
                        let known = ctx.schema.known_names();
                        return Err(ctx.fail(RequestError::Predict(
                            PredictError::UnknownFeature { name, known },
                        )));
                    }
                };
            if ctx.seen.get(col).copied().unwrap_or(true) {
                let name = &names[col];
                return Err(ctx.fail(RequestError::invalid(format!(
                    "feature {name:?} appears twice in row {row}"
                ))));
            }
            ctx.seen[col] = true;
            columns.hint = col + 1;
            let seed = CellSeed {
                ctx: &mut *ctx,
                row,
                col,
                named: true,
            };
            match map.next_value_seed(seed)? {
                Cell::Num(x) => ctx.rows.values[start + col] = x,
                Cell::Text(s) => ctx.rows.text.push((start + col, s)),
            }
        }
        if let Some(missing) = ctx.seen.iter().position(|s| !s) {
            let name = names[missing].clone();
            return ctx.row_error(RequestError::Predict(PredictError::MissingFeature {
                name,
                row,
            }));
        }
        ctx.rows.n_rows += 1;
        Ok(())
    }
}

/// A feature name in a row sent by name, looked up without copying it: the column, or the unknown
/// name (copied only then, for the error). Producers mostly send the columns in the model's order, so
/// the column after the previous one is tried before the hash map.
#[derive(Clone, Copy)]
struct ColumnSeed<'s> {
    index: &'s FxHashMap<String, usize>,
    names: &'s [String],
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for ColumnSeed<'_> {
    type Value = Result<usize, String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ColumnSeed<'_> {
    type Value = Result<usize, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.names.get(self.hint).is_some_and(|n| n == v) {
            return Ok(Ok(self.hint));
        }
        Ok(self.index.get(v).copied().ok_or_else(|| v.to_string()))
    }
}

enum Cell {
    Num(f64),
    Text(Arc<str>),
}

impl Cell {
    fn number(&self) -> f64 {
        match self {
            Cell::Num(x) => *x,
            Cell::Text(_) => f64::NAN,
        }
    }
}

struct CellSeed<'a, 's> {
    ctx: &'a mut Ctx<'s>,
    row: usize,
    col: usize,
    named: bool,
}

impl CellSeed<'_, '_> {
    fn wrong<E: de::Error>(self, found: &str) -> E {
        let column = self.ctx.column_name(self.col, self.named);
        self.ctx.fail(RequestError::WrongType {
            row: self.row,
            column,
            found: found.to_string(),
        })
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_, '_> {
    type Value = Cell;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_, '_> {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        if v.is_infinite() {
            return Err(self.wrong(
                "an infinite number (scikit-learn rejects infinity; send null for a missing value)",
            ));
        }
        Ok(Cell::Num(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(Cell::Num(v as f64))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Num(f64::NAN))
    }
    fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Num(f64::NAN))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        if self.named {
            Ok(Cell::Text(Arc::from(v)))
        } else {
            Err(self.wrong("a string (strings are accepted only in rows sent by feature name, for categorical features)"))
        }
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cell, E> {
        Err(self.wrong("a boolean (send 0 or 1)"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Cell, E> {
        Err(self.wrong("bytes"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Cell, A::Error> {
        Err(self.wrong("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Cell, A::Error> {
        Err(self.wrong("an object"))
    }
}
