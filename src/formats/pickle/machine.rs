//! The symbolic pickle machine: runs one pickle stream without executing it.
//!
//! It mirrors CPython's `_pickle.c` unpickler: a stack, a mark stack (the "metastack"), and a
//! memo. Values are abstract: scalars inline, strings and bytes borrowed from the input,
//! containers keep their shape (up to [`MAX_ITEMS_PER_CONTAINER`] items each), imports and calls
//! become nodes. What a verdict needs is recorded as [`Event`]s; nothing is imported or called.
//!
//! Bounds: opcodes, value-store nodes, stack depth, mark depth and memo entries are all limited
//! by [`Limits`], and so is the memory they take together (bytes, [`Limits::max_bytes`]), since
//! a count bound alone lets cheap opcodes (8 MB of `TUPLE1`) cost hundreds of MB; reaching one
//! ends the run with [`Outcome::Limit`], naming the bound.

use std::borrow::Cow;
use std::collections::HashMap;

use super::opcodes::{decode, DecodeError, Op};

/// Index of a node in the value store.
pub type NodeId = u32;

/// A stack value: small scalars inline, everything else a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V {
    /// `None`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// A float.
    Float(f64),
    /// A node in the store.
    Node(NodeId),
    /// A value that was not kept (store full); only its existence is known.
    Opaque,
}

/// How a call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `REDUCE`: `callable(*args)`.
    Reduce,
    /// `INST`: `module.name(*args)`.
    Inst,
    /// `OBJ`: `cls(*args)`.
    Obj,
    /// `NEWOBJ`: `cls.__new__(cls, *args)`.
    Newobj,
    /// `NEWOBJ_EX`: `cls.__new__(cls, *args, **kwargs)`.
    NewobjEx,
    /// `BUILD` on an object whose earlier state set `__setstate__`: `setstate(state)`.
    Build,
}

impl CallKind {
    /// The opcode name.
    pub fn opcode(self) -> &'static str {
        match self {
            CallKind::Reduce => "REDUCE",
            CallKind::Inst => "INST",
            CallKind::Obj => "OBJ",
            CallKind::Newobj => "NEWOBJ",
            CallKind::NewobjEx => "NEWOBJ_EX",
            CallKind::Build => "BUILD",
        }
    }
}

/// A value in the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// Bytes (also protocol-0/1 `STRING`, which Python 3 may decode either way).
    Bytes(Cow<'a, [u8]>),
    /// A too-large integer, as text.
    BigInt(String),
    /// A tuple.
    Tuple(Vec<V>),
    /// A list: kept items and the total count.
    List(Vec<V>, u64),
    /// A dict: kept pairs and the total count.
    Dict(Vec<(V, V)>, u64),
    /// A set or frozenset: kept items and the total count.
    Set(Vec<V>, u64),
    /// An imported global.
    Global {
        /// Module.
        module: String,
        /// Name (may be a dotted qualname).
        name: String,
    },
    /// A callable that cannot be named without running the pickle.
    Unresolved(String),
    /// The result of a call.
    Call {
        /// What was called.
        func: V,
        /// The argument tuple (for `NEWOBJ_EX`, a tuple of args and kwargs).
        args: V,
        /// How.
        kind: CallKind,
        /// The event index of the call.
        event: usize,
    },
    /// A persistent id (resolved by the loader's `persistent_load`, e.g. a PyTorch storage).
    PersId(V),
    /// An out-of-band buffer (protocol 5).
    Buffer,
}

/// What the machine saw that matters to a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A global was imported (`GLOBAL`, `STACK_GLOBAL`, `INST`).
    Import {
        /// The `Global` node.
        node: NodeId,
        /// Opcode index.
        index: u64,
        /// Byte offset of the opcode.
        offset: u64,
    },
    /// Something was called.
    Call {
        /// The `Call` node.
        node: NodeId,
        /// Opcode index.
        index: u64,
        /// Byte offset of the opcode.
        offset: u64,
    },
    /// `BUILD` applied state to a value that is not an object made by a call (a global).
    BuildOnGlobal {
        /// The target.
        target: V,
        /// Opcode index.
        index: u64,
        /// Byte offset.
        offset: u64,
    },
    /// `SETITEM`/`SETITEMS` stored into an imported global (a module's `__dict__`, a dict
    /// such as `os.environ`), not into a dict made by this stream.
    SetItemOnGlobal {
        /// The target.
        target: V,
        /// The keys stored, as text where they are text.
        keys: Vec<String>,
        /// Opcode index.
        index: u64,
        /// Byte offset.
        offset: u64,
    },
    /// A [`BuildHook`] found that a special reader (joblib's) fails at this `BUILD`, while
    /// `pickle.load` reads on: the run goes on as `pickle.load` would.
    ReaderFails {
        /// What the special reader trips on.
        message: String,
        /// Opcode index.
        index: u64,
        /// Byte offset of the `BUILD`.
        offset: u64,
    },
    /// A dict made by this stream stores a dotted name under an instantiate config's target
    /// key (`_target_`, `_component_`): a Hydra config saved as data (Lightning's
    /// `hyper_parameters`), which code that instantiates it imports and calls.
    ConfigTarget {
        /// The key.
        key: String,
        /// The value, as stored.
        value: String,
        /// Opcode index.
        index: u64,
        /// Byte offset.
        offset: u64,
    },
    /// A global's module or name was longer than [`MAX_GLOBAL_PARTS`] dotted parts or
    /// [`MAX_GLOBAL_BYTES`] bytes, and was cut to its first parts ([`cut_dotted`]).
    NameCut {
        /// The `Global` node (holding the cut names).
        node: NodeId,
        /// Dotted parts of the longer of the two, before the cut.
        parts: usize,
        /// Bytes of module and name together, before the cut.
        bytes: usize,
        /// Opcode index.
        index: u64,
        /// Byte offset.
        offset: u64,
    },
    /// A `PROTO` opcode with an unsupported protocol number.
    BadProtocol {
        /// The protocol number.
        proto: u8,
        /// Byte offset.
        offset: u64,
    },
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `STOP` reached; the position after it.
    Stop {
        /// Byte offset just after `STOP`.
        end: usize,
    },
    /// The stream is invalid at this opcode.
    Error {
        /// Opcode index.
        index: u64,
        /// Byte offset of the failing opcode.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A budget bound stopped the run.
    Limit {
        /// Which bound, in words.
        bound: String,
        /// Byte offset where the run stopped.
        offset: usize,
        /// Whether the opcode at `offset` had started: its pops are done, its push is not
        /// (every opcode pops before it allocates what it pushes). False for the opcode bound,
        /// which stops before the opcode.
        started: bool,
    },
}

/// Bounds for one run of the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Opcodes, across all pickles of one input (shared through `ops_used`).
    pub max_opcodes: u64,
    /// Nodes in the value store.
    pub max_nodes: usize,
    /// Stack depth (values).
    pub max_stack: usize,
    /// Mark-stack depth.
    pub max_marks: usize,
    /// Memo entries.
    pub max_memo: usize,
    /// Memory of the value store (nodes and what they own), the stack, the marks, the memo and
    /// the events together, in bytes (estimated from their lengths and element sizes).
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_opcodes: 50_000_000,
            max_nodes: 4_000_000,
            max_stack: 2_000_000,
            max_marks: 2_000_000,
            max_memo: 2_000_000,
            max_bytes: 64 << 20,
        }
    }
}

/// Items kept per container; the rest are counted, not stored.
pub const MAX_ITEMS_PER_CONTAINER: usize = 1 << 16;

/// Most rebound names kept per stream (see `Machine::patched`); later rebindings of new names
/// are not followed, but each write is still an event.
pub const MAX_PATCHED: usize = 4096;

/// [`Event::ConfigTarget`] events kept per stream (a checkpoint's hyper-parameters hold a few).
pub const MAX_CONFIG_TARGETS: usize = 64;

/// Longest namespace or attribute name (bytes) a rebinding is followed for.
pub const MAX_PATCHED_NAME: usize = 256;

/// Most objects whose `BUILD` state is kept for evidence ([`Machine::built_state`]).
pub const MAX_BUILT: usize = 1 << 16;

/// A hook the driver gives the machine for `BUILD` on particular objects: given the machine and
/// the built object, it may consume raw bytes that follow in the stream (joblib array data) and
/// returns how many bytes to skip, or an error message.
pub type BuildHook<'m, 'a> = &'m mut dyn FnMut(&Machine<'a>, NodeId, V, usize) -> HookResult;

/// What a [`BuildHook`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookResult {
    /// Not a special object.
    None,
    /// Skip this many raw bytes after the `BUILD` opcode.
    Skip(usize),
    /// A nested pickle follows the `BUILD` opcode (joblib object arrays); run it, then go on.
    NestedPickle,
    /// The object claims data that is not there.
    Error(String),
}

/// One run over one pickle stream.
pub struct Machine<'a> {
    buf: &'a [u8],
    /// The value store.
    pub nodes: Vec<Node<'a>>,
    stack: Vec<V>,
    marks: Vec<usize>,
    memo: HashMap<u64, V>,
    /// Text memo keys past `u64` or negative (`PUT 18446744073709551616`), which only the
    /// pure-Python unpickler accepts, by their digits; counted with `memo` against the bound.
    memo_keys: HashMap<Box<str>, V>,
    /// What was seen, in stream order.
    pub events: Vec<Event>,
    /// The highest protocol declared.
    pub protocol: Option<u8>,
    limits: Limits,
    /// Objects whose `BUILD` state put a `__setstate__` into their attributes, with that value:
    /// the next `BUILD` on them calls it.
    setstate: HashMap<NodeId, V>,
    /// The first `BUILD` state applied to each object made by a call, for evidence (an object's
    /// state can carry what a call on it uses: `typing.get_type_hints(obj)` evaluates the
    /// annotations a `BUILD` gave `obj`). At most [`MAX_BUILT`] objects.
    built: HashMap<NodeId, V>,
    /// Names this stream rebound in an imported namespace (`SETITEM` into a module's
    /// `__dict__`, `BUILD` on a module or class), by (namespace, attribute): a later `GLOBAL`
    /// of that name resolves to the stored value, as CPython's `find_class` (a `getattr` on the
    /// module) would. Bounded by [`MAX_PATCHED`].
    patched: HashMap<(String, String), V>,
    /// [`Event::ConfigTarget`] events recorded so far.
    config_targets: usize,
    /// Opcodes executed so far (including earlier runs that share the count).
    pub ops: u64,
    index: u64,
    /// Heap bytes owned by the nodes (container items, owned text), estimated.
    heap: usize,
    /// Bytes of an outer run's stack, marks and memo, set aside while a nested pickle runs.
    outer: usize,
}

/// Estimated bytes of one heap allocation of `cap` elements of `elem` bytes, with the
/// allocator's bookkeeping; nothing when there is no allocation.
fn alloc_cost(cap: usize, elem: usize) -> usize {
    if cap == 0 {
        0
    } else {
        16 + cap.saturating_mul(elem)
    }
}

/// Heap bytes a node owns.
fn heap_cost(n: &Node<'_>) -> usize {
    let v = std::mem::size_of::<V>();
    match n {
        Node::Str(Cow::Owned(t)) => alloc_cost(t.capacity(), 1),
        Node::Bytes(Cow::Owned(b)) => alloc_cost(b.capacity(), 1),
        Node::BigInt(t) | Node::Unresolved(t) => alloc_cost(t.capacity(), 1),
        Node::Tuple(items) | Node::List(items, _) | Node::Set(items, _) => {
            alloc_cost(items.capacity(), v)
        }
        Node::Dict(pairs, _) => alloc_cost(pairs.capacity(), 2 * v),
        Node::Global { module, name } => {
            alloc_cost(module.capacity(), 1) + alloc_cost(name.capacity(), 1)
        }
        _ => 0,
    }
}

/// Most dotted parts of a global's module or name that are kept and judged. The names CPython's
/// `find_class` resolves are short (`torch.backends.xeon.run_cpu` / `subprocess.Popen`); a
/// longer one is cut to its first parts, which decide what it reaches ([`Event::NameCut`]).
pub const MAX_GLOBAL_PARTS: usize = 64;

/// Most bytes of a global's module or name that are kept and judged (see [`MAX_GLOBAL_PARTS`]).
pub const MAX_GLOBAL_BYTES: usize = 1024;

/// `s` cut to its first [`MAX_GLOBAL_PARTS`] dotted parts and at most [`MAX_GLOBAL_BYTES`]
/// bytes (at a dot when there is one in range, else at a character boundary); `None` when it
/// is within both bounds. Linear in the length of `s`.
pub fn cut_dotted(s: &str) -> Option<&str> {
    let mut end = s.len().min(MAX_GLOBAL_BYTES);
    if let Some((i, _)) = s.match_indices('.').nth(MAX_GLOBAL_PARTS - 1) {
        end = end.min(i);
    }
    if end == s.len() {
        return None;
    }
    if end < s.len() && s.as_bytes()[end] != b'.' {
        // Cut by bytes: back to the last dot in range, or to a character boundary.
        match s[..end].rfind('.') {
            Some(dot) if dot > 0 => end = dot,
            _ => {
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
            }
        }
    }
    Some(&s[..end])
}

/// The global `module` / `name` as it is judged: renamed as Python 3 renames Python 2 globals in
/// protocol 0-2 pickles (`fix_imports`, so what is really imported is judged), then cut to its
/// first parts ([`cut_dotted`]) before anything reads it, so judging stays linear (tester t24:
/// 50k parts took 12 GB). The cut, when there was one: (dotted parts of the longer of the two,
/// bytes of both) before it. Used by the machine and by the linear pass after a bound.
pub fn judged_global(
    module: &str,
    name: &str,
    protocol: Option<u8>,
) -> (String, String, Option<(usize, usize)>) {
    let (module, name) = if protocol.is_none_or(|p| p < 3) {
        super::classify::fix_imports(module, name)
    } else {
        (module.to_string(), name.to_string())
    };
    match (cut_dotted(&module), cut_dotted(&name)) {
        (None, None) => (module, name, None),
        (cm, cn) => {
            let cut = (
                module.split('.').count().max(name.split('.').count()),
                module.len() + name.len(),
            );
            (
                cm.unwrap_or(&module).to_string(),
                cn.unwrap_or(&name).to_string(),
                Some(cut),
            )
        }
    }
}

/// Cut text kept for a string node, in bytes; longer text is cut (its length is noted).
const MAX_TEXT: usize = 1 << 24;

impl<'a> Machine<'a> {
    /// A machine over `buf`, with `ops_used` opcodes already spent by earlier runs.
    pub fn new(buf: &'a [u8], limits: Limits, ops_used: u64) -> Self {
        Machine {
            buf,
            nodes: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            memo_keys: HashMap::new(),
            events: Vec::new(),
            protocol: None,
            limits,
            setstate: HashMap::new(),
            built: HashMap::new(),
            patched: HashMap::new(),
            config_targets: 0,
            ops: ops_used,
            index: 0,
            heap: 0,
            outer: 0,
        }
    }

    /// Estimated memory of this run's state, in bytes (see [`Limits::max_bytes`]).
    pub fn memory(&self) -> usize {
        use std::mem::size_of;
        self.nodes.len() * size_of::<Node<'_>>()
            + self.heap
            + self.stack.len() * size_of::<V>()
            + self.marks.len() * size_of::<usize>()
            // A hash table initialises all of its slots.
            + self.memo.capacity() * (size_of::<(u64, V)>() + 1)
            + self.memo_keys.capacity() * (size_of::<(Box<str>, V)>() + 1)
            + self.events.len() * size_of::<Event>()
            + self.outer
    }

    /// The message of the memory bound, when `more` bytes would pass it.
    fn over_memory(&self, more: usize) -> Option<String> {
        (self.memory().saturating_add(more) > self.limits.max_bytes).then(|| {
            format!(
                "value store full ({} MiB of values, stack and memo)",
                self.limits.max_bytes >> 20
            )
        })
    }

    /// The input.
    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// The node behind a value, if it is one.
    pub fn node_of(&self, v: V) -> Option<&Node<'a>> {
        match v {
            V::Node(id) => Some(self.node(id)),
            _ => None,
        }
    }

    /// The text of a value if it is a string (or a `STRING`/bytes value that is valid UTF-8).
    pub fn text_of(&self, v: V) -> Option<Cow<'_, str>> {
        match self.node_of(v)? {
            Node::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            Node::Bytes(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
            _ => None,
        }
    }

    /// The text of memo entry `i` when it holds a string (for the linear pass after a bound,
    /// which resolves `STACK_GLOBAL` operands fetched from the memo this run built).
    pub fn memo_text(&self, i: u64) -> Option<Cow<'_, str>> {
        self.text_of(*self.memo.get(&i)?)
    }

    /// The value of memo entry `i`, if stored.
    pub fn memo_get(&self, i: u64) -> Option<V> {
        self.memo.get(&i).copied()
    }

    /// The stack, bottom first (for the linear pass after a bound).
    pub fn stack(&self) -> &[V] {
        &self.stack
    }

    /// The mark stack: stack lengths at each open `MARK`, oldest first.
    pub fn marks(&self) -> &[usize] {
        &self.marks
    }

    /// Entries in the memo.
    pub fn memo_len(&self) -> u64 {
        self.memo.len() as u64
    }

    /// The items of a tuple or list value.
    pub fn items_of(&self, v: V) -> Option<&[V]> {
        match self.node_of(v)? {
            Node::Tuple(t) => Some(t),
            Node::List(l, _) => Some(l),
            _ => None,
        }
    }

    /// Look `key` up in a dict value by string key.
    pub fn dict_get(&self, v: V, key: &str) -> Option<V> {
        match self.node_of(v)? {
            Node::Dict(pairs, _) => pairs
                .iter()
                .find(|(k, _)| self.text_of(*k).is_some_and(|t| t == key))
                .map(|(_, v)| *v),
            _ => None,
        }
    }

    fn push_node(&mut self, n: Node<'a>) -> Result<V, String> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(format!(
                "value store full ({} values)",
                self.limits.max_nodes
            ));
        }
        let cost = heap_cost(&n);
        if let Some(e) = self.over_memory(std::mem::size_of::<Node<'_>>() + cost) {
            return Err(e);
        }
        self.heap += cost;
        self.nodes.push(n);
        Ok(V::Node((self.nodes.len() - 1) as NodeId))
    }

    fn push(&mut self, v: V) -> Result<(), String> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(format!(
                "stack deeper than {} values",
                self.limits.max_stack
            ));
        }
        if let Some(e) = self.over_memory(std::mem::size_of::<V>()) {
            return Err(e);
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self) -> Result<V, String> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err("stack underflow".into());
        }
        self.stack.pop().ok_or_else(|| "stack underflow".into())
    }

    fn top(&self) -> Result<V, String> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err("stack underflow".into());
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| "stack underflow".into())
    }

    fn pop_mark(&mut self) -> Result<Vec<V>, String> {
        let m = self.marks.pop().ok_or("no MARK on the stack")?;
        Ok(self.stack.split_off(m.min(self.stack.len())))
    }

    fn text(&mut self, s: Cow<'a, str>) -> Result<V, String> {
        let s = if s.len() > MAX_TEXT {
            let mut cut = MAX_TEXT;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            Cow::Owned(s[..cut].to_string())
        } else {
            s
        };
        self.push_node(Node::Str(s))
    }

    fn global(&mut self, module: &str, name: &str, offset: usize) -> Result<V, String> {
        let (module, name, cut) = judged_global(module, name, self.protocol);
        // A name this stream rebound earlier resolves to what it stored there.
        if !self.patched.is_empty() {
            let full = format!("{module}.{name}");
            if let Some((ns, attr)) = full.rsplit_once('.') {
                if let Some(&v) = self.patched.get(&(ns.to_string(), attr.to_string())) {
                    return Ok(v);
                }
            }
        }
        let v = self.push_node(Node::Global { module, name })?;
        if let V::Node(id) = v {
            self.events.push(Event::Import {
                node: id,
                index: self.index,
                offset: offset as u64,
            });
            if let Some((parts, bytes)) = cut {
                self.events.push(Event::NameCut {
                    node: id,
                    parts,
                    bytes,
                    index: self.index,
                    offset: offset as u64,
                });
            }
        }
        Ok(v)
    }

    fn call(&mut self, func: V, args: V, kind: CallKind, offset: usize) -> Result<V, String> {
        let event = self.events.len();
        let v = self.push_node(Node::Call {
            func,
            args,
            kind,
            event,
        })?;
        if let V::Node(id) = v {
            self.events.push(Event::Call {
                node: id,
                index: self.index,
                offset: offset as u64,
            });
        }
        Ok(v)
    }

    fn add_items(&mut self, target: V, items: Vec<V>) -> Result<(), String> {
        let Some(V::Node(id)) = Some(target) else {
            return Ok(());
        };
        match self.nodes.get_mut(id as usize) {
            Some(Node::List(l, n)) | Some(Node::Set(l, n)) => {
                *n += items.len() as u64;
                let room = MAX_ITEMS_PER_CONTAINER.saturating_sub(l.len());
                let before = l.capacity();
                l.extend(items.into_iter().take(room));
                let grown = alloc_cost(l.capacity(), std::mem::size_of::<V>())
                    - alloc_cost(before, std::mem::size_of::<V>());
                self.heap += grown;
                match self.over_memory(0) {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }
            // Appending to something that is not a list calls its `append`/`extend`: an object
            // reconstructed by a call. The call itself is what is graded.
            _ => Ok(()),
        }
    }

    /// Record that `attr` of the namespace `ns` now holds `v` (see `patched`).
    /// Names longer than [`MAX_PATCHED_NAME`] bytes are not kept (no module or attribute is
    /// that long), so the map holds at most [`MAX_PATCHED`] short entries.
    fn patch(&mut self, ns: String, attr: String, v: V) {
        if ns.len() > MAX_PATCHED_NAME || attr.len() > MAX_PATCHED_NAME {
            return;
        }
        if self.patched.len() < MAX_PATCHED
            || self.patched.contains_key(&(ns.clone(), attr.clone()))
        {
            self.patched.insert((ns, attr), v);
        }
    }

    /// The namespace a global names: `m.__dict__` is the namespace of the module `m`; any
    /// other global `m.n` is the object `m.n`, whose attributes are `m.n.<attr>`.
    fn namespace_of(&self, target: V) -> Option<(String, bool)> {
        match self.node_of(target)? {
            Node::Global { module, name } if name == "__dict__" => Some((module.clone(), true)),
            Node::Global { module, name } => Some((format!("{module}.{name}"), false)),
            _ => None,
        }
    }

    fn set_items(&mut self, target: V, items: Vec<V>, at: usize) -> Result<(), String> {
        if items.len() % 2 != 0 {
            return Err("odd number of items for SETITEMS".into());
        }
        let V::Node(id) = target else {
            return Err("SETITEMS on a value that is not a dict".into());
        };
        if let Some((ns, is_dict)) = self.namespace_of(target) {
            let mut keys = Vec::new();
            for kv in items.chunks_exact(2) {
                let key = self.text_of(kv[0]).map(|k| k.to_string());
                if let (Some(k), true) = (&key, is_dict) {
                    self.patch(ns.clone(), k.clone(), kv[1]);
                }
                if keys.len() < 8 {
                    // Evidence only: a few keys, each cut short.
                    keys.push(
                        key.map_or_else(|| "?".to_string(), |k| k.chars().take(64).collect()),
                    );
                }
            }
            self.events.push(Event::SetItemOnGlobal {
                target,
                keys,
                index: self.index,
                offset: at as u64,
            });
            return Ok(());
        }
        for kv in items.chunks_exact(2) {
            if self.config_targets >= MAX_CONFIG_TARGETS {
                break;
            }
            let Some(key) = self
                .text_of(kv[0])
                .filter(|k| matches!(&**k, "_target_" | "_component_"))
            else {
                continue;
            };
            let Some(value) = self.text_of(kv[1]).filter(|v| v.len() <= 256) else {
                continue;
            };
            let (key, value) = (key.into_owned(), value.into_owned());
            self.config_targets += 1;
            self.events.push(Event::ConfigTarget {
                key,
                value,
                index: self.index,
                offset: at as u64,
            });
        }
        if let Some(Node::Dict(pairs, n)) = self.nodes.get_mut(id as usize) {
            *n += (items.len() / 2) as u64;
            let before = pairs.capacity();
            for kv in items.chunks_exact(2) {
                if pairs.len() >= MAX_ITEMS_PER_CONTAINER {
                    break;
                }
                pairs.push((kv[0], kv[1]));
            }
            let pair = 2 * std::mem::size_of::<V>();
            self.heap += alloc_cost(pairs.capacity(), pair) - alloc_cost(before, pair);
            if let Some(e) = self.over_memory(0) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Run from `start` until `STOP`, an error or a bound; `hook` is called on every `BUILD`.
    pub fn run(&mut self, start: usize, hook: BuildHook<'_, 'a>) -> Outcome {
        let mut pos = start;
        loop {
            if self.ops >= self.limits.max_opcodes {
                return Outcome::Limit {
                    bound: format!("{} pickle opcodes", self.limits.max_opcodes),
                    offset: pos,
                    started: false,
                };
            }
            let (op, next) = match decode(self.buf, pos) {
                Ok(x) => x,
                Err(e) => {
                    let message = match e {
                        DecodeError::Eof => "stream ends without STOP".to_string(),
                        e => e.to_string(),
                    };
                    return Outcome::Error {
                        index: self.index,
                        offset: pos,
                        message,
                    };
                }
            };
            self.ops += 1;
            let at = pos;
            pos = next;
            match self.step(op, at, &mut pos, hook) {
                Ok(true) => {
                    return Outcome::Stop { end: pos };
                }
                Ok(false) => {}
                Err(message) => {
                    if let Some(bound) = message.strip_prefix("limit: ") {
                        return Outcome::Limit {
                            bound: bound.to_string(),
                            offset: at,
                            started: true,
                        };
                    }
                    return Outcome::Error {
                        index: self.index,
                        offset: at,
                        message,
                    };
                }
            }
            self.index += 1;
        }
    }

    /// Execute one opcode. Returns `Ok(true)` at `STOP`.
    fn step(
        &mut self,
        op: Op<'a>,
        at: usize,
        pos: &mut usize,
        hook: BuildHook<'_, 'a>,
    ) -> Result<bool, String> {
        let limit = |e: String| {
            if e.contains("full") || e.contains("deeper") {
                format!("limit: {e}")
            } else {
                e
            }
        };
        match op {
            Op::Mark => {
                if self.marks.len() >= self.limits.max_marks {
                    return Err(format!("limit: more than {} MARKs", self.limits.max_marks));
                }
                if let Some(e) = self.over_memory(std::mem::size_of::<usize>()) {
                    return Err(format!("limit: {e}"));
                }
                self.marks.push(self.stack.len());
            }
            Op::Stop => {
                self.pop()?;
                return Ok(true);
            }
            Op::Pop => {
                // CPython's POP discards the top mark when the stack is empty above it.
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() > floor {
                    self.stack.pop();
                } else if !self.marks.is_empty() {
                    self.marks.pop();
                } else {
                    return Err("stack underflow".into());
                }
            }
            Op::PopMark => {
                self.pop_mark()?;
            }
            Op::Dup => {
                let v = self.top()?;
                self.push(v).map_err(limit)?;
            }
            Op::Float(f) | Op::Binfloat(f) => self.push(V::Float(f)).map_err(limit)?,
            Op::Int(i) => self.push(V::Int(i)).map_err(limit)?,
            Op::BigInt(s) => {
                let v = self.push_node(Node::BigInt(s)).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Bool(b) => self.push(V::Bool(b)).map_err(limit)?,
            Op::None => self.push(V::None).map_err(limit)?,
            Op::Persid(l) => {
                let t = self.text(String::from_utf8_lossy(l)).map_err(limit)?;
                let v = self.push_node(Node::PersId(t)).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Binpersid => {
                let pid = self.pop()?;
                let v = self.push_node(Node::PersId(pid)).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Reduce => {
                let args = self.pop()?;
                let func = self.pop()?;
                let v = self.call(func, args, CallKind::Reduce, at).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::String(b) => {
                let v = self.push_node(Node::Bytes(b)).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Unicode(s) => {
                let v = self.text(s).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Bytes(b) => {
                let v = self
                    .push_node(Node::Bytes(Cow::Borrowed(b)))
                    .map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Append => {
                let v = self.pop()?;
                let list = self.top()?;
                self.add_items(list, vec![v])?;
            }
            Op::Appends | Op::Additems => {
                let items = self.pop_mark()?;
                let list = self.top()?;
                self.add_items(list, items)?;
            }
            Op::Build => {
                let state = self.pop()?;
                let inst = self.top()?;
                self.build(inst, state, at, pos, hook)?;
            }
            Op::Global(m, n) => {
                let v = self.global(&m, &n, at).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                let v = match (self.text_of(module), self.text_of(name)) {
                    (Some(m), Some(n)) => {
                        let (m, n) = (m.into_owned(), n.into_owned());
                        self.global(&m, &n, at).map_err(limit)?
                    }
                    _ => self
                        .push_node(Node::Unresolved(
                            "STACK_GLOBAL with operands that are not strings".into(),
                        ))
                        .map_err(limit)?,
                };
                self.push(v).map_err(limit)?;
            }
            Op::Inst(m, n) => {
                let items = self.pop_mark()?;
                let cls = self.global(&m, &n, at).map_err(limit)?;
                let args = self.push_node(Node::Tuple(items)).map_err(limit)?;
                let v = self.call(cls, args, CallKind::Inst, at).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Obj => {
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err("OBJ without a class".into());
                }
                let cls = items.remove(0);
                let args = self.push_node(Node::Tuple(items)).map_err(limit)?;
                let v = self.call(cls, args, CallKind::Obj, at).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Dict => {
                let items = self.pop_mark()?;
                let d = self.push_node(Node::Dict(Vec::new(), 0)).map_err(limit)?;
                self.set_items(d, items, at)?;
                self.push(d).map_err(limit)?;
            }
            Op::EmptyDict => {
                let d = self.push_node(Node::Dict(Vec::new(), 0)).map_err(limit)?;
                self.push(d).map_err(limit)?;
            }
            Op::Get(i) => {
                let v = *self
                    .memo
                    .get(&i)
                    .ok_or_else(|| format!("memo key {i} was never stored"))?;
                self.push(v).map_err(limit)?;
            }
            Op::Put(i) => {
                let v = self.top()?;
                self.memo_put(i, v)?;
            }
            Op::GetKey(k) => {
                let v = *self
                    .memo_keys
                    .get(&k)
                    .ok_or_else(|| format!("memo key {k} was never stored"))?;
                self.push(v).map_err(limit)?;
            }
            Op::PutKey(k) => {
                let v = self.top()?;
                if self.memo.len() + self.memo_keys.len() >= self.limits.max_memo
                    && !self.memo_keys.contains_key(&k)
                {
                    return Err(format!(
                        "limit: more than {} memo entries",
                        self.limits.max_memo
                    ));
                }
                if let Some(e) = self.over_memory(k.len() + std::mem::size_of::<V>()) {
                    return Err(e);
                }
                let len = k.len();
                if self.memo_keys.insert(k, v).is_none() {
                    // The key's text is memory of this run's state too.
                    self.heap += len;
                }
            }
            Op::Memoize => {
                let v = self.top()?;
                let i = self.memo.len() as u64;
                self.memo_put(i, v)?;
            }
            Op::List => {
                let items = self.pop_mark()?;
                let l = self.push_node(Node::List(Vec::new(), 0)).map_err(limit)?;
                self.add_items(l, items)?;
                self.push(l).map_err(limit)?;
            }
            Op::EmptyList => {
                let l = self.push_node(Node::List(Vec::new(), 0)).map_err(limit)?;
                self.push(l).map_err(limit)?;
            }
            Op::Setitem => {
                let v = self.pop()?;
                let k = self.pop()?;
                let d = self.top()?;
                self.set_items(d, vec![k, v], at)?;
            }
            Op::Setitems => {
                let items = self.pop_mark()?;
                let d = self.top()?;
                self.set_items(d, items, at)?;
            }
            Op::Tuple => {
                let items = self.pop_mark()?;
                let t = self.push_node(Node::Tuple(items)).map_err(limit)?;
                self.push(t).map_err(limit)?;
            }
            Op::EmptyTuple => {
                let t = self.push_node(Node::Tuple(Vec::new())).map_err(limit)?;
                self.push(t).map_err(limit)?;
            }
            Op::Tuple1 | Op::Tuple2 | Op::Tuple3 => {
                let n = match op {
                    Op::Tuple1 => 1,
                    Op::Tuple2 => 2,
                    _ => 3,
                };
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop()?);
                }
                items.reverse();
                let t = self.push_node(Node::Tuple(items)).map_err(limit)?;
                self.push(t).map_err(limit)?;
            }
            Op::Proto(p) => {
                if p > 5 {
                    self.events.push(Event::BadProtocol {
                        proto: p,
                        offset: at as u64,
                    });
                }
                self.protocol = Some(self.protocol.map_or(p, |q| q.max(p)));
            }
            Op::Newobj => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let v = self.call(cls, args, CallKind::Newobj, at).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::NewobjEx => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let both = self
                    .push_node(Node::Tuple(vec![args, kwargs]))
                    .map_err(limit)?;
                let v = self
                    .call(cls, both, CallKind::NewobjEx, at)
                    .map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::Ext(code) => {
                let v = self
                    .push_node(Node::Unresolved(format!(
                        "extension registry code {code} (copyreg)"
                    )))
                    .map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::EmptySet => {
                let s = self.push_node(Node::Set(Vec::new(), 0)).map_err(limit)?;
                self.push(s).map_err(limit)?;
            }
            Op::Frozenset => {
                let items = self.pop_mark()?;
                let s = self.push_node(Node::Set(Vec::new(), 0)).map_err(limit)?;
                self.add_items(s, items)?;
                self.push(s).map_err(limit)?;
            }
            Op::Frame(_) => {}
            Op::NextBuffer => {
                let v = self.push_node(Node::Buffer).map_err(limit)?;
                self.push(v).map_err(limit)?;
            }
            Op::ReadonlyBuffer => {
                self.top()?;
            }
        }
        Ok(false)
    }

    fn memo_put(&mut self, i: u64, v: V) -> Result<(), String> {
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains_key(&i) {
            return Err(format!(
                "limit: more than {} memo entries",
                self.limits.max_memo
            ));
        }
        // Growing the table doubles it: charge the new table before it is made.
        if self.memo.len() == self.memo.capacity() && !self.memo.contains_key(&i) {
            let grown = self.memo.capacity().max(3) * (std::mem::size_of::<(u64, V)>() + 1);
            if let Some(e) = self.over_memory(grown) {
                return Err(format!("limit: {e}"));
            }
        }
        self.memo.insert(i, v);
        Ok(())
    }

    /// The `__setstate__` value a BUILD state sets: in a state dict, or in either half of a
    /// `(dict, slots)` state tuple.
    fn injected_setstate(&self, state: V) -> Option<V> {
        if let Some(f) = self.dict_get(state, "__setstate__") {
            return Some(f);
        }
        match self.node_of(state)? {
            Node::Tuple(t) if t.len() == 2 => t
                .iter()
                .find_map(|half| self.dict_get(*half, "__setstate__")),
            _ => None,
        }
    }

    fn build(
        &mut self,
        inst: V,
        state: V,
        at: usize,
        pos: &mut usize,
        hook: BuildHook<'_, 'a>,
    ) -> Result<(), String> {
        let Some(id) = (match inst {
            V::Node(id) => Some(id),
            _ => None,
        }) else {
            return Ok(());
        };
        // CPython's load_build looks `__setstate__` up on the object first and calls it with
        // the state; an earlier BUILD may have put one into the object's `__dict__` (or set it
        // through the slot-state half). That lookup makes this BUILD a call.
        if let Some(&f) = self.setstate.get(&id) {
            let args = self
                .push_node(Node::Tuple(vec![state]))
                .map_err(|e| format!("limit: {e}"))?;
            self.call(f, args, CallKind::Build, at)
                .map_err(|e| format!("limit: {e}"))?;
            return Ok(());
        }
        if let Some(f) = self.injected_setstate(state) {
            self.setstate.insert(id, f);
        }
        // `setattr` on a module or class for every key of the state dict and of the slot
        // half of a `(dict, slots)` state: later imports of those names get the new values.
        if let Some((ns, false)) = self.namespace_of(inst) {
            let halves: Vec<V> = match self.node_of(state) {
                Some(Node::Tuple(t)) if t.len() == 2 => t.clone(),
                _ => vec![state],
            };
            for half in halves {
                let pairs: Vec<(V, V)> = match self.node_of(half) {
                    Some(Node::Dict(pairs, _)) => pairs.clone(),
                    _ => continue,
                };
                for (k, v) in pairs {
                    if let Some(k) = self.text_of(k).map(|k| k.to_string()) {
                        self.patch(ns.clone(), k, v);
                    }
                }
            }
        }
        match self.node(id) {
            Node::Global { .. } | Node::Unresolved(_) => {
                self.events.push(Event::BuildOnGlobal {
                    target: inst,
                    index: self.index,
                    offset: at as u64,
                });
                Ok(())
            }
            Node::Call { .. } => {
                if self.built.len() < MAX_BUILT {
                    self.built.entry(id).or_insert(state);
                }
                self.build_hook(id, state, pos, hook)
            }
            _ => Ok(()),
        }
    }

    /// The `BUILD` state first applied to object `id`, if any was kept.
    pub fn built_state(&self, id: NodeId) -> Option<V> {
        self.built.get(&id).copied()
    }

    fn build_hook(
        &mut self,
        id: NodeId,
        state: V,
        pos: &mut usize,
        hook: BuildHook<'_, 'a>,
    ) -> Result<(), String> {
        {
            match hook(self, id, state, *pos) {
                HookResult::None => Ok(()),
                HookResult::Skip(n) => {
                    *pos += n;
                    Ok(())
                }
                HookResult::NestedPickle => {
                    // The nested pickle shares this machine's store and events, with its own
                    // stack, marks and memo, as `pickle.load` on the same file would.
                    let before = self.memory();
                    let saved = (
                        std::mem::take(&mut self.stack),
                        std::mem::take(&mut self.marks),
                        std::mem::take(&mut self.memo),
                    );
                    let outer = self.outer;
                    // What the outer run set aside still counts against the memory bound.
                    self.outer = before - self.memory() + outer;
                    let out = self.run(*pos, hook);
                    (self.stack, self.marks, self.memo) = saved;
                    self.outer = outer;
                    match out {
                        Outcome::Stop { end } => {
                            *pos = end;
                            Ok(())
                        }
                        Outcome::Error { message, .. } => {
                            Err(format!("nested array pickle: {message}"))
                        }
                        Outcome::Limit { bound, .. } => Err(format!("limit: {bound}")),
                    }
                }
                // joblib's reader would fail here; `pickle.load` (which knows nothing of
                // the wrapper) reads the bytes after `BUILD` as opcodes, and so does the run.
                HookResult::Error(message) => {
                    self.events.push(Event::ReaderFails {
                        message,
                        index: self.index,
                        offset: pos.saturating_sub(1) as u64,
                    });
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(buf: &[u8]) -> (Outcome, usize) {
        let mut m = Machine::new(buf, Limits::default(), 0);
        let mut hook = |_: &Machine<'_>, _: NodeId, _: V, _: usize| HookResult::None;
        let out = m.run(0, &mut hook);
        (out, m.memory())
    }

    /// Regression (attack session 4, #16): 8 MB of nested `TUPLE1` took 372 MB before the
    /// value-count bound stopped it. The memory bound stops it at 64 MiB of state.
    #[test]
    fn cheap_opcodes_stop_at_the_memory_bound() {
        let max = Limits::default().max_bytes;
        for (body, bound_named) in [
            ([b"N".as_slice(), &[0x85u8; 8_000_000]].concat(), "64 MiB"),
            (b"(t".repeat(4_000_000), "64 MiB"),
            (b"]".repeat(2_100_000), "64 MiB"),
            // Two million `None`s on the stack are 32 MB: the stack bound comes first.
            (b"N".repeat(2_100_000), "stack deeper"),
        ] {
            let buf = [b"\x80\x04".as_slice(), &body, b"."].concat();
            let (out, memory) = run(&buf);
            match out {
                Outcome::Limit { bound, .. } => {
                    assert!(bound.contains(bound_named), "{bound}")
                }
                other => panic!("{other:?}"),
            }
            assert!(memory <= max, "{memory} > {max}");
        }
    }

    /// Long dotted names are cut at a dot, within both bounds; short ones are kept whole.
    #[test]
    fn dotted_names_are_cut_to_their_first_parts() {
        assert_eq!(cut_dotted("torch.backends.xeon.run_cpu"), None);
        let many = format!("os.{}sep", "path.".repeat(100));
        let cut = cut_dotted(&many).expect("cut");
        assert_eq!(cut.split('.').count(), MAX_GLOBAL_PARTS);
        assert!(cut.starts_with("os.path."), "{cut}");
        let wide = format!("{}.{}", "a".repeat(1000), "b".repeat(100));
        assert_eq!(cut_dotted(&wide), Some("a".repeat(1000).as_str()));
        let one = "é".repeat(600);
        let cut = cut_dotted(&one).expect("cut");
        assert!(cut.len() <= MAX_GLOBAL_BYTES && cut.chars().all(|c| c == 'é'));
    }

    /// Ordinary pickles are far from the bound.
    #[test]
    fn small_pickles_are_not_bounded() {
        let (out, memory) = run(b"\x80\x04]\x94(K\x01K\x02e}\x94\x8c\x01a\x94K\x03s.");
        assert!(matches!(out, Outcome::Stop { .. }), "{out:?}");
        assert!(memory < 4096, "{memory}");
    }
}
