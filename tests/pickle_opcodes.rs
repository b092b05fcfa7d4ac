//! The machine opcode by opcode, on pickles Python wrote (copied byte for byte) or built by hand:
//! protocol-0 text opcodes, the builtins allow-list, memo sharing, refusals and error offsets.

use predict_worker::model::pickle::{unpickle, Limits, PickleInfo};
use predict_worker::model::value::{Heap, Node, Value};
use predict_worker::model::LoadError;

fn run(p: &[u8]) -> (Heap, Value, PickleInfo) {
    unpickle(p, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn fail(p: &[u8]) -> LoadError {
    match unpickle(p, &Limits::default()) {
        Ok((heap, v, _)) => panic!("loaded {}", heap.describe(&v)),
        Err(e) => e,
    }
}

#[test]
fn protocol0_text_opcodes() {
    // pickle.dumps([1, -2, 0.5, 'hé', None, True, 2**64], protocol=0)
    let p = b"(lp0\nI1\naI-2\naF0.5\naVh\xe9\np1\naNaI01\naL18446744073709551616L\na.";
    let (heap, root, info) = run(p);
    assert_eq!(info.protocol, 0);
    let items = heap.sequence(&root).unwrap();
    assert_eq!(items[0], Value::Int(1));
    assert_eq!(items[1], Value::Int(-2));
    assert_eq!(items[2], Value::Float(0.5));
    assert_eq!(items[3], Value::Str("h\u{e9}".into()));
    assert_eq!(items[4], Value::None);
    assert_eq!(items[5], Value::Bool(true));
    assert!(matches!(&items[6], Value::BigInt(b) if b[..] == [0, 0, 0, 0, 0, 0, 0, 0, 1]));
    // Python 2 STRING (bytes), with escapes, and a memo GET of it.
    let (heap, root, _) = run(b"(S'a\\n\\x00'\np0\ng0\nt.");
    let t = heap.sequence(&root).unwrap();
    assert_eq!(t[0], Value::Bytes(b"a\n\0"[..].into()));
    assert_eq!(t[0], t[1]);
}

#[test]
fn builtins_allow_list() {
    // OrderedDict([('a', 1)]) at protocol 2: REDUCE with no args, then SETITEM.
    let (heap, root, _) =
        run(b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s.");
    assert_eq!(heap.dict_get(&root, "a"), Some(&Value::Int(1)));
    // {1, 2} at protocol 2: builtins.set([1, 2]).
    let (heap, root, _) =
        run(b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.");
    assert_eq!(
        heap.get(&root),
        Some(&Node::Set(vec![Value::Int(1), Value::Int(2)]))
    );
    // frozenset([3]) at protocol 4 (FRAME, FROZENSET, MEMOIZE).
    let (heap, root, _) = run(b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00(K\x03\x91\x94.");
    assert_eq!(heap.get(&root), Some(&Node::FrozenSet(vec![Value::Int(3)])));
    // bytearray(b'ab') and b'ab' at protocol 2 go through _codecs.encode(str, 'latin1').
    let (heap, root, _) = run(b"\x80\x02c__builtin__\nbytearray\nq\x00c_codecs\nencode\nq\x01X\x02\x00\x00\x00abq\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05\x85q\x06Rq\x07.");
    assert_eq!(heap.get(&root), Some(&Node::ByteArray(b"ab".to_vec())));
    let (_, root, _) = run(b"\x80\x02c_codecs\nencode\nq\x00X\x02\x00\x00\x00abq\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04.");
    assert_eq!(root, Value::Bytes(b"ab"[..].into()));
    // slice(1, 2) stays an inert object that records its arguments.
    let (heap, root, _) = run(b"\x80\x02c__builtin__\nslice\nq\x00K\x01K\x02N\x87q\x01Rq\x02.");
    let obj = heap.object(&root).unwrap();
    assert_eq!(obj.class.full_name(), "__builtin__.slice");
    assert_eq!(obj.args, vec![Value::Int(1), Value::Int(2), Value::None]);
    // EMPTY_SET + ADDITEMS, BYTEARRAY8, NEWTRUE/NEWFALSE, TUPLE1, TUPLE2, TUPLE3, BININT2, LONG1, all
    // inside the one value STOP returns: ({1, 2}, (bytearray(b'xy'), True, False), ((256,), -32768)).
    let (heap, root, _) = run(b"\x80\x05\x8f(K\x01K\x02\x90\x96\x02\x00\x00\x00\x00\x00\x00\x00xy\x88\x89\x87M\x00\x01\x85\x8a\x02\x00\x80\x86\x87.");
    let t = heap.sequence(&root).unwrap();
    assert_eq!(t.len(), 3, "TUPLE3 at the end");
    assert_eq!(
        heap.get(&t[0]),
        Some(&Node::Set(vec![Value::Int(1), Value::Int(2)])),
        "EMPTY_SET + ADDITEMS"
    );
    assert!(matches!(heap.get(&t[1]), Some(Node::Tuple(_))), "a tuple");
    assert!(matches!(heap.get(&t[2]), Some(Node::Tuple(_))), "a tuple");
    let middle = heap.sequence(&t[1]).unwrap();
    assert_eq!(middle.len(), 3, "TUPLE3");
    assert_eq!(
        heap.get(&middle[0]),
        Some(&Node::ByteArray(b"xy".to_vec())),
        "BYTEARRAY8"
    );
    assert_eq!(middle[1], Value::Bool(true), "NEWTRUE");
    assert_eq!(middle[2], Value::Bool(false), "NEWFALSE");
    let last = heap.sequence(&t[2]).unwrap();
    assert_eq!(last.len(), 2, "TUPLE2");
    assert_eq!(
        heap.get(&last[0]),
        Some(&Node::Tuple(vec![Value::Int(256)])),
        "TUPLE1 of BININT2"
    );
    assert_eq!(last[1], Value::Int(-32768), "LONG1");
}

#[test]
fn objects_stay_inert_with_args_kwargs_and_state() {
    // NEWOBJ_EX(cls, (1,), {'k': 2}) then BUILD({'x': 3}), via STACK_GLOBAL.
    let p = b"\x80\x04\x8c\x03mod\x8c\x03Cls\x93K\x01\x85}\x8c\x01kK\x02s\x92}\x8c\x01xK\x03sb.";
    let (heap, root, _) = run(p);
    let obj = heap.object(&root).unwrap();
    assert_eq!(obj.class.full_name(), "mod.Cls");
    assert_eq!(obj.args, vec![Value::Int(1)]);
    assert_eq!(obj.kwargs.len(), 1);
    let view = heap.estimator(&root).unwrap();
    assert_eq!(view.i64("x").unwrap(), 3);
    // INST (protocol 0) and OBJ (protocol 1).
    let (heap, root, _) = run(b"(I7\nimod\nCls\n(dS'y'\nI4\nsb.");
    let obj = heap.object(&root).unwrap();
    assert_eq!(
        (obj.class.full_name(), obj.args.clone()),
        ("mod.Cls".into(), vec![Value::Int(7)])
    );
    let (heap, root, _) = run(b"(cmod\nCls\nK\x05o.");
    assert_eq!(heap.object(&root).unwrap().args, vec![Value::Int(5)]);
    // (dict, slotstate) BUILD states are merged.
    let (heap, root, _) =
        run(b"\x80\x02cmod\nCls\n)\x81}X\x01\x00\x00\x00aK\x01s}X\x01\x00\x00\x00bK\x02s\x86b.");
    let view = heap.estimator(&root).unwrap();
    assert_eq!((view.i64("a").unwrap(), view.i64("b").unwrap()), (1, 2));
}

#[test]
fn copyreg_chains_do_not_recurse() {
    // __newobj__(__newobj__, __newobj__, ... 200k times): one inert object, no deep recursion.
    let mut p = b"\x80\x02ccopyreg\n__newobj__\nq\x00".to_vec();
    p.push(b'(');
    p.extend(std::iter::repeat_n(&b"h\x00"[..], 200_000).flatten());
    p.extend(b"tR.");
    let (heap, root, _) = run(&p);
    assert_eq!(
        heap.object(&root).unwrap().class.full_name(),
        "copyreg.__newobj__"
    );
    // copyreg._reconstructor(cls, object, None) is an object of cls.
    let (heap, root, _) = run(b"ccopy_reg\n_reconstructor\n(cmod\nCls\nc__builtin__\nobject\nNtR.");
    assert_eq!(heap.object(&root).unwrap().class.full_name(), "mod.Cls");
}

#[test]
fn memo_entries_share_the_built_object() {
    // An object is memoized, then BUILD gives it state; a later GET must see that state.
    let p = b"\x80\x02cmod\nCls\n)\x81q\x00}X\x01\x00\x00\x00vK\x09sbh\x00\x86.";
    let (heap, root, _) = run(p);
    let pair = heap.sequence(&root).unwrap();
    assert_eq!(pair[0], pair[1]);
    assert_eq!(heap.estimator(&pair[1]).unwrap().i64("v").unwrap(), 9);
}

#[test]
fn errors_are_typed_and_located() {
    let e = fail(b"N.N");
    assert!(matches!(e, LoadError::Pickle { offset: 2, .. }), "{e}");
    assert!(e.to_string().contains("follow the STOP"), "{e}");
    assert!(matches!(
        fail(b"\x80\x06N."),
        LoadError::Pickle { offset: 0, .. }
    ));
    let e = fail(b"\x80\x02NN\xff.");
    assert!(matches!(e, LoadError::Pickle { offset: 4, .. }), "{e}");
    assert!(matches!(
        fail(b"\x80\x02K\x01N\x93."),
        LoadError::Pickle { .. }
    ));
    assert!(matches!(
        fail(b"\x80\x02K\x01}b."),
        LoadError::Pickle { .. }
    ));
    assert!(matches!(
        fail(b"\x80\x02K\x01K\x02a."),
        LoadError::Pickle { .. }
    ));
    assert!(matches!(fail(b"\x80\x02h\x05."), LoadError::Pickle { .. }));
    assert!(matches!(
        fail(b"\x80\x02K\x01K\x02R."),
        LoadError::Pickle { .. }
    ));
    assert!(matches!(
        fail(b"\x80\x02(K\x01d."),
        LoadError::Pickle { .. }
    ));
    assert!(matches!(
        fail(b"\x80\x02"),
        LoadError::Pickle { offset: 2, .. }
    ));
    assert!(matches!(fail(b"I12x\n."), LoadError::Pickle { .. }));
    assert!(matches!(fail(b"\x80\x02\x86."), LoadError::Pickle { .. }));
}

#[test]
fn limits_are_enforced() {
    let small = Limits {
        max_stack: 10,
        max_memo: 2,
        max_nodes: 3,
    };
    let many = [&b"\x80\x02"[..], &[b'N'; 11], b"."].concat();
    assert!(matches!(
        unpickle(&many, &small),
        Err(LoadError::Limit { .. })
    ));
    let memo = b"\x80\x04N\x94\x94N\x94.";
    assert!(matches!(
        unpickle(memo, &small),
        Err(LoadError::Limit { .. })
    ));
    let nodes = b"\x80\x02]]]]\x86.";
    assert!(matches!(
        unpickle(nodes, &small),
        Err(LoadError::Limit { .. })
    ));
}
