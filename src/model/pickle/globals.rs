//! The allow-list: what a call (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST) on a class reference means.
//! A handful of builtins, copyreg helpers and numpy constructors are interpreted as data; every
//! other call becomes an inert `Object` that records the class and arguments. Nothing is executed.

use std::sync::Arc;

use super::machine::{Machine, VALUE_COST};
use crate::model::error::LoadError;
use crate::model::numpy::pickled::{self, is_dtype_class};
use crate::model::numpy::NdArray;
use crate::model::value::{Global, Node, Object, Value};

/// `numpy.core.<sub>` or `numpy._core.<sub>` (numpy 1.x and 2.x spell the same module both ways).
pub(super) fn is_numpy_core(module: &str, subs: &[&str]) -> bool {
    let rest = module
        .strip_prefix("numpy.core.")
        .or_else(|| module.strip_prefix("numpy._core."));
    matches!(rest, Some(r) if subs.contains(&r))
}

fn is_builtins(module: &str) -> bool {
    module == "builtins" || module == "__builtin__"
}

fn is_copyreg(module: &str) -> bool {
    module == "copyreg" || module == "copy_reg"
}

impl Machine<'_> {
    fn inert(
        &mut self,
        class: Arc<Global>,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Value, LoadError> {
        self.alloc(Node::Object(Object {
            class,
            args,
            kwargs,
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }))
    }

    fn class_arg(&self, v: Option<&Value>, what: &str) -> Result<Arc<Global>, LoadError> {
        match v {
            Some(Value::Global(g)) => Ok(g.clone()),
            Some(other) => Err(self.err(format!(
                "{what} needs a class reference, found {}",
                self.heap.describe(other)
            ))),
            None => Err(self.err(format!("{what} needs a class argument"))),
        }
    }

    /// Items of an iterable argument (list, tuple, set, frozenset).
    fn iterable(&mut self, v: &Value, what: &str) -> Result<Vec<Value>, LoadError> {
        if let Some(Node::List(x) | Node::Tuple(x) | Node::Set(x) | Node::FrozenSet(x)) =
            self.heap.get(v)
        {
            let n = x.len();
            self.charge(n.saturating_mul(VALUE_COST))?;
        }
        match self.heap.get(v) {
            Some(Node::List(x) | Node::Tuple(x) | Node::Set(x) | Node::FrozenSet(x)) => {
                Ok(x.clone())
            }
            _ => Err(self.err(format!(
                "{what} argument is {}, not a sequence",
                self.heap.describe(v)
            ))),
        }
    }

    fn latin1(&mut self, s: &str) -> Result<Vec<u8>, LoadError> {
        self.charge(s.len())?;
        s.chars()
            .map(|c| u8::try_from(u32::from(c)))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| self.err("latin-1 encoded bytes hold a character above U+00FF"))
    }

    /// Store a decoded numpy array, charging its dtype against the field budget.
    pub(super) fn array_node(&mut self, array: NdArray) -> Result<Node, LoadError> {
        // Array data may have been copied (object elements, bytearray or str buffers): charge it.
        let copied = match &array.data {
            crate::model::numpy::ArrayData::Objects(items) => {
                items.len().saturating_mul(VALUE_COST)
            }
            crate::model::numpy::ArrayData::Bytes(b) => b.len(),
        };
        self.charge(copied)?;
        let weight = array.dtype.weight();
        self.field_budget = self.field_budget.checked_sub(weight).ok_or_else(|| {
            LoadError::limit(self.at, "too many record-dtype fields copied into arrays")
        })?;
        Ok(Node::Array(array))
    }

    pub(super) fn numpy_err(&self, e: LoadError) -> LoadError {
        match e {
            LoadError::Numpy(m) => self.err(format!("numpy: {m}")),
            other => other,
        }
    }

    /// Interpret a call of `callable(*args, **kwargs)` as data.
    pub(super) fn call(
        &mut self,
        callable: Value,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Value, LoadError> {
        let Value::Global(g) = callable else {
            return Err(self.err(format!(
                "a call on {}, which is not a class or function reference",
                self.heap.describe(&callable)
            )));
        };
        let (module, name) = (g.module.as_str(), g.name.as_str());
        if is_copyreg(module) {
            match name {
                // _reconstructor(cls, base, state): cls.__new__ (base.__new__(cls, state) when state is set).
                "_reconstructor" => {
                    let cls = self.class_arg(args.first(), "copyreg._reconstructor")?;
                    let rest = match args.get(2) {
                        Some(Value::None) | None => Vec::new(),
                        Some(state) => vec![state.clone()],
                    };
                    return self.call_class(cls, rest, Vec::new());
                }
                "__newobj__" => {
                    let cls = self.class_arg(args.first(), "copyreg.__newobj__")?;
                    let mut rest = args;
                    rest.remove(0);
                    return self.call_class(cls, rest, kwargs);
                }
                "__newobj_ex__" => {
                    let cls = self.class_arg(args.first(), "copyreg.__newobj_ex__")?;
                    let a = match args.get(1) {
                        Some(v) => self.iterable(v, "copyreg.__newobj_ex__")?,
                        None => Vec::new(),
                    };
                    let kw = args
                        .get(2)
                        .and_then(|v| self.heap.dict(v))
                        .map(<[_]>::to_vec)
                        .unwrap_or_default();
                    return self.call_class(cls, a, kw);
                }
                _ => {}
            }
        }
        self.call_class(g, args, kwargs)
    }

    /// A call on a class or function other than the copyreg helpers (which never nest, so a chain
    /// of `__newobj__(__newobj__, ...)` cannot recurse).
    fn call_class(
        &mut self,
        g: Arc<Global>,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Value, LoadError> {
        let (module, name) = (g.module.as_str(), g.name.as_str());
        if is_builtins(module) {
            match (name, args.as_slice()) {
                ("set" | "frozenset", [] | [_]) => {
                    let items = match args.first() {
                        Some(v) => self.iterable(v, name)?,
                        None => Vec::new(),
                    };
                    let node = if name == "set" {
                        Node::Set(items)
                    } else {
                        Node::FrozenSet(items)
                    };
                    return self.alloc(node);
                }
                ("bytearray", []) => return self.alloc(Node::ByteArray(Vec::new())),
                ("bytearray", [Value::Bytes(b)]) => {
                    self.charge(b.len())?;
                    return self.alloc(Node::ByteArray(b.to_vec()));
                }
                ("bytearray", [Value::Str(s), _]) => {
                    let b = self.latin1(s)?;
                    return self.alloc(Node::ByteArray(b));
                }
                ("bytes", []) => return Ok(Value::Bytes(Arc::from(&[][..]))),
                ("bytes", [Value::Bytes(b)]) => return Ok(Value::Bytes(b.clone())),
                _ => {}
            }
        }
        if module == "_codecs" && name == "encode" {
            if let [Value::Str(s), Value::Str(enc)] = args.as_slice() {
                if matches!(&**enc, "latin1" | "latin-1" | "iso-8859-1") {
                    return Ok(Value::Bytes(Arc::from(self.latin1(s)?)));
                }
            }
        }
        if module == "collections" && name == "OrderedDict" {
            let mut pairs = Vec::new();
            if let Some(items) = args.first() {
                for item in self.iterable(items, "OrderedDict")? {
                    match self.heap.sequence(&item) {
                        Some([k, v]) => pairs.push((k.clone(), v.clone())),
                        _ => return Err(self.err("OrderedDict items must be (key, value) pairs")),
                    }
                }
            }
            return self.alloc(Node::Dict(pairs));
        }
        if is_numpy_core(module, &["multiarray", "_multiarray_umath"]) && name == "_reconstruct" {
            // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD fills in.
            let cls = self.class_arg(args.first(), "numpy _reconstruct")?;
            let v = self.inert(cls, args, kwargs)?;
            if let Value::Ref(id) = v {
                self.pending_arrays.insert(id);
            }
            return Ok(v);
        }
        if is_numpy_core(module, &["multiarray", "_multiarray_umath"]) && name == "scalar" {
            let decoded = pickled::scalar(&self.heap, &mut self.dtypes, &args)
                .map_err(|e| self.numpy_err(e))?;
            return match decoded {
                Some(a) => {
                    let node = self.array_node(a)?;
                    self.alloc(node)
                }
                None => self.inert(g, args, kwargs),
            };
        }
        if is_numpy_core(module, &["numeric"]) && name == "_frombuffer" {
            let decoded = pickled::array_from_buffer(&self.heap, &mut self.dtypes, &args)
                .map_err(|e| self.numpy_err(e))?;
            return match decoded {
                Some(a) => {
                    let node = self.array_node(a)?;
                    self.alloc(node)
                }
                None => self.inert(g, args, kwargs),
            };
        }
        if is_dtype_class(module, name) {
            // numpy.dtype(type_str, align, copy): parsed lazily once BUILD has given it its state.
            return self.inert(Arc::new(Global::new("numpy", "dtype")), args, kwargs);
        }
        // Anything else, including every scikit-learn class and any callable a hostile file names
        // (os.system, builtins.eval, ...): inert data. The sklearn registry decides what it accepts.
        self.inert(g, args, kwargs)
    }
}
