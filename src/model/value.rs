//! Inert values produced by the pickle machine: scalars inline, containers and objects in an arena
//! (`Heap`) addressed by `NodeId`, so memo sharing and BUILD mutation work without evaluating anything.

use std::sync::Arc;

use super::error::LoadError;
use super::numpy::NdArray;

/// Index of a node in the [`Heap`].
pub type NodeId = usize;

/// A class or function reference found in a pickle. It is never resolved to code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub module: String,
    pub name: String,
}

impl Global {
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> Self {
        Global {
            module: module.into(),
            name: name.into(),
        }
    }

    /// `module.name`, as Python would print it.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// A pickled value. Scalars are stored inline; anything mutable or shared lives in the heap.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer that does not fit in i64: little-endian two's complement bytes (as LONG1/LONG4 store it).
    BigInt(Arc<[u8]>),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    /// A reference to a class or function. Never called.
    Global(Arc<Global>),
    /// A container or object in the heap.
    Ref(NodeId),
}

/// An object built by REDUCE, NEWOBJ, NEWOBJ_EX, OBJ or INST: the class reference plus everything the
/// pickle said about it. Nothing here was executed.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub class: Arc<Global>,
    pub args: Vec<Value>,
    pub kwargs: Vec<(Value, Value)>,
    /// The BUILD state (usually a dict, sometimes a tuple), if any.
    pub state: Option<Value>,
    /// Items added by APPEND/APPENDS to a non-list object.
    pub list_items: Vec<Value>,
    /// Items added by SETITEM/SETITEMS to a non-dict object (e.g. `collections.OrderedDict`).
    pub dict_items: Vec<(Value, Value)>,
}

/// A heap node.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Set(Vec<Value>),
    FrozenSet(Vec<Value>),
    ByteArray(Vec<u8>),
    Object(Object),
    /// A numpy array, already decoded (joblib's inline arrays, or a `_reconstruct` + BUILD pair).
    Array(NdArray),
}

/// The arena every container and object of one pickle lives in.
#[derive(Debug, Default)]
pub struct Heap {
    nodes: Vec<Node>,
}

impl Heap {
    pub fn new() -> Self {
        Heap::default()
    }

    pub fn alloc(&mut self, node: Node) -> Value {
        self.nodes.push(node);
        Value::Ref(self.nodes.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }

    /// The node a value refers to, if it is a reference.
    pub fn get<'a>(&'a self, value: &Value) -> Option<&'a Node> {
        match value {
            Value::Ref(id) => self.nodes.get(*id),
            _ => None,
        }
    }

    /// The elements of a list or tuple.
    pub fn sequence<'a>(&'a self, value: &Value) -> Option<&'a [Value]> {
        match self.get(value)? {
            Node::List(items) | Node::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The object a value refers to, with its class.
    pub fn object<'a>(&'a self, value: &Value) -> Option<&'a Object> {
        match self.get(value)? {
            Node::Object(obj) => Some(obj),
            _ => None,
        }
    }

    /// The key/value pairs of a dict, or of an object's dict-like state or items.
    pub fn dict<'a>(&'a self, value: &Value) -> Option<&'a [(Value, Value)]> {
        match self.get(value)? {
            Node::Dict(items) => Some(items),
            Node::Object(obj) if !obj.dict_items.is_empty() => Some(&obj.dict_items),
            _ => None,
        }
    }

    /// Look up a string key in a dict value.
    pub fn dict_get<'a>(&'a self, value: &Value, key: &str) -> Option<&'a Value> {
        self.dict(value)?
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if &**s == key))
            .map(|(_, v)| v)
    }

    /// Short human description of a value, for error messages (`int`, `str 'abc'`, `object sklearn...X`).
    pub fn describe(&self, value: &Value) -> String {
        match value {
            Value::None => "None".into(),
            Value::Bool(b) => format!("bool {b}"),
            Value::Int(i) => format!("int {i}"),
            Value::BigInt(_) => "big int".into(),
            Value::Float(f) => format!("float {f}"),
            Value::Str(s) => {
                let short: String = s.chars().take(40).collect();
                format!("str {short:?}")
            }
            Value::Bytes(b) => format!("bytes of length {}", b.len()),
            Value::Global(g) => format!("global {}", g.full_name()),
            Value::Ref(id) => match self.nodes.get(*id) {
                Some(Node::List(v)) => format!("list of {}", v.len()),
                Some(Node::Tuple(v)) => format!("tuple of {}", v.len()),
                Some(Node::Dict(v)) => format!("dict of {}", v.len()),
                Some(Node::Set(v)) | Some(Node::FrozenSet(v)) => format!("set of {}", v.len()),
                Some(Node::ByteArray(v)) => format!("bytearray of length {}", v.len()),
                Some(Node::Object(o)) => format!("object {}", o.class.full_name()),
                Some(Node::Array(a)) => format!("numpy array {}", a.describe()),
                None => "dangling reference".into(),
            },
        }
    }

    /// View an estimator-like object: its class plus its `__dict__` (the BUILD state dict).
    pub fn estimator<'a>(&'a self, value: &'a Value) -> Result<ObjView<'a>, LoadError> {
        let obj = self.object(value).ok_or_else(|| {
            LoadError::model(format!(
                "expected a scikit-learn estimator object, found {}",
                self.describe(value)
            ))
        })?;
        let state: &[(Value, Value)] = match &obj.state {
            Some(state) => self.dict(state).unwrap_or(&[]),
            None => &[],
        };
        Ok(ObjView {
            heap: self,
            value,
            obj,
            state,
        })
    }
}

/// An estimator object seen through its attribute dict. Every accessor fails with an error that
/// names the class and the attribute, so a user knows which part of the model file is off.
#[derive(Clone, Copy, Debug)]
pub struct ObjView<'a> {
    pub heap: &'a Heap,
    value: &'a Value,
    pub obj: &'a Object,
    pub state: &'a [(Value, Value)],
}

impl<'a> ObjView<'a> {
    /// The object's own value (a `Value::Ref`).
    pub fn value(&self) -> &'a Value {
        self.value
    }

    pub fn class_name(&self) -> &'a str {
        &self.obj.class.name
    }

    pub fn module(&self) -> &'a str {
        &self.obj.class.module
    }

    pub fn full_name(&self) -> String {
        self.obj.class.full_name()
    }

    /// An error about this object's attribute `attr`.
    pub fn error(&self, attr: &str, message: impl std::fmt::Display) -> LoadError {
        LoadError::model(format!("{}.{attr}: {message}", self.class_name()))
    }

    pub fn get(&self, attr: &str) -> Option<&'a Value> {
        self.state
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if &**s == attr))
            .map(|(_, v)| v)
    }

    pub fn has(&self, attr: &str) -> bool {
        self.get(attr).is_some()
    }

    /// A required attribute.
    pub fn req(&self, attr: &str) -> Result<&'a Value, LoadError> {
        self.get(attr).ok_or_else(|| {
            self.error(
                attr,
                "attribute is missing; was the estimator fitted before it was saved?",
            )
        })
    }

    pub fn f64(&self, attr: &str) -> Result<f64, LoadError> {
        let v = self.req(attr)?;
        scalar_f64(self.heap, v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected a number, found {}", self.heap.describe(v)),
            )
        })
    }

    pub fn i64(&self, attr: &str) -> Result<i64, LoadError> {
        let v = self.req(attr)?;
        scalar_i64(self.heap, v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected an integer, found {}", self.heap.describe(v)),
            )
        })
    }

    pub fn usize(&self, attr: &str) -> Result<usize, LoadError> {
        let i = self.i64(attr)?;
        usize::try_from(i)
            .map_err(|_| self.error(attr, format!("expected a non-negative integer, found {i}")))
    }

    pub fn bool(&self, attr: &str) -> Result<bool, LoadError> {
        let v = self.req(attr)?;
        match scalar_bool(self.heap, v) {
            Some(b) => Ok(b),
            None => Err(self.error(
                attr,
                format!("expected a bool, found {}", self.heap.describe(v)),
            )),
        }
    }

    pub fn str(&self, attr: &str) -> Result<&'a str, LoadError> {
        let v = self.req(attr)?;
        match v {
            Value::Str(s) => Ok(s),
            _ => Err(self.error(
                attr,
                format!("expected a str, found {}", self.heap.describe(v)),
            )),
        }
    }

    /// A str attribute that may be absent or None.
    pub fn opt_str(&self, attr: &str) -> Option<&'a str> {
        match self.get(attr)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A nested estimator.
    pub fn estimator(&self, attr: &str) -> Result<ObjView<'a>, LoadError> {
        let v = self.req(attr)?;
        self.heap.estimator(v).map_err(|e| self.error(attr, e))
    }

    /// A list or tuple attribute.
    pub fn seq(&self, attr: &str) -> Result<&'a [Value], LoadError> {
        let v = self.req(attr)?;
        self.heap.sequence(v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected a list or tuple, found {}", self.heap.describe(v)),
            )
        })
    }

    /// A numpy array attribute of class labels (`classes_`), errors naming the attribute.
    pub fn labels(&self, attr: &str) -> Result<Vec<super::data::Label>, LoadError> {
        self.array(attr)?
            .to_labels(self.heap)
            .map_err(|e| self.error(attr, e))
    }

    /// A numpy array attribute.
    pub fn array(&self, attr: &str) -> Result<&'a NdArray, LoadError> {
        let v = self.req(attr)?;
        match self.heap.get(v) {
            Some(Node::Array(a)) => Ok(a),
            _ => Err(self.error(
                attr,
                format!("expected a numpy array, found {}", self.heap.describe(v)),
            )),
        }
    }
}

/// A number as f64: Python int/float/bool or a numpy scalar (decoded to an Array of shape ()).
pub fn scalar_f64(heap: &Heap, v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Ref(_) => match heap.get(v)? {
            Node::Array(a) if a.len() == 1 => a.to_f64_vec().ok()?.first().copied(),
            _ => None,
        },
        _ => None,
    }
}

/// An integer: Python int/bool or a numpy integer scalar.
pub fn scalar_i64(heap: &Heap, v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Ref(_) => match heap.get(v)? {
            Node::Array(a) if a.len() == 1 => a.to_i64_vec().ok()?.first().copied(),
            _ => None,
        },
        _ => None,
    }
}

/// A bool: Python bool/int or a numpy bool scalar.
pub fn scalar_bool(heap: &Heap, v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => Some(*i != 0),
        Value::Ref(_) => scalar_i64(heap, v).map(|i| i != 0),
        _ => None,
    }
}
