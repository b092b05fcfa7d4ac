//! Inert values produced by the pickle machine: scalars inline, containers and objects in an arena
//! (`Heap`) addressed by `NodeId`, so memo sharing and BUILD mutation work without evaluating anything.
//! Reading estimators through their attribute dicts is in `obj_view`, numbers and bools in `scalars`.

mod obj_view;
mod scalars;

use std::sync::Arc;

pub use obj_view::ObjView;
pub use scalars::{scalar_bool, scalar_f64, scalar_i64};

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
}
