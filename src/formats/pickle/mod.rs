//! Pickle streams: raw pickles, legacy PyTorch files, joblib files, pickles inside pickles.
//!
//! [`analyse`] runs the [`machine::Machine`] over every pickle in the stream (several pickles back
//! to back are all read, as legacy `torch.load` and joblib do), then grades what it saw:
//! imports and calls against [`classify`], stream errors, data after the last pickle.
//!
//! Grading (stated in `docs/rules/pickle-unknown-call.md`): a denylisted call is critical; a call
//! whose callable cannot be named statically is high; an unknown callable is low when the call
//! is ordinary object reconstruction (`NEWOBJ`, a class by its CapWords name, no arguments) and
//! medium when it is a function called with arguments.

pub mod classify;
pub mod machine;
pub mod opcodes;
pub mod render;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analyse::Ctx;
use crate::finding::{plural, Confidence, Finding, Location, Severity, Span};
use crate::formats::Format;
use crate::rules::pickle as r;
use classify::{classify, Class};
use machine::{CallKind, Event, HookResult, Machine, Node, NodeId, Outcome, V};

/// The integer legacy `torch.save` writes as its first pickle (`torch/serialization.py`).
const TORCH_MAGIC: &str = "0x1950a86a20f9469cfc6c";

/// How many opcodes a sniff decodes at most.
const SNIFF_OPS: usize = 64;

/// Sniff: is `data` a pickle? Returns the declared protocol (if any).
///
/// A stream starting with `PROTO` 2 or higher is a pickle. Otherwise the first opcodes are
/// decoded, because `pickle.load` needs no magic: protocol 0/1 streams have none, and CPython's
/// `load_proto` accepts `PROTO` anywhere, so `N0\x80\x04...` (or a stream starting with a
/// protocol 2+ opcode and no `PROTO` at all) loads like any pickle. It is a pickle when the
/// first opcodes decode and run cleanly to `STOP`, or when at least four run cleanly and one
/// imports a callable (`GLOBAL`/`INST` with identifier-like names, `STACK_GLOBAL`) and runs
/// past that import.
/// A stream whose first byte is not one Python's pickler writes first must also import or
/// declare a protocol, so that two stray opcode bytes at the start of a binary file are not a
/// "pickle".
pub fn looks_like(data: &[u8]) -> Option<Option<u8>> {
    if data.len() >= 2 && data[0] == 0x80 && data[1] >= 2 {
        // PROTO with a plausible protocol, followed by a valid opcode.
        // A truncated first opcode still makes a (broken) pickle; only a non-opcode byte does not.
        if data[1] <= 15
            && !matches!(
                opcodes::decode(data, 2),
                Err(opcodes::DecodeError::UnknownOpcode(_))
            )
        {
            return Some(Some(data[1]));
        }
        return None;
    }
    // The opcodes Python's pickler writes first at protocols 0 and 1.
    let usual_start = data
        .first()
        .is_some_and(|b| b"(c}])NILFSVJKMTUXGP".contains(b));
    if !usual_start && opcodes::decode(data, 0).is_err() {
        return None;
    }
    let mut pos = 0;
    let mut imports = 0;
    // Index of the first import: the machine must run past it for a broken stream to count.
    let mut first_import = u64::MAX;
    let mut proto = None;
    for index in 0..SNIFF_OPS {
        match opcodes::decode(data, pos) {
            Ok((opcodes::Op::Global(m, name) | opcodes::Op::Inst(m, name), next)) => {
                if !is_dotted_ident(&m) || !is_dotted_ident(&name) {
                    return None;
                }
                imports += 1;
                first_import = first_import.min(index as u64);
                pos = next;
            }
            Ok((opcodes::Op::StackGlobal, next)) => {
                imports += 1;
                first_import = first_import.min(index as u64);
                pos = next;
            }
            Ok((opcodes::Op::Proto(p), next)) => {
                if p > 15 {
                    return None;
                }
                proto.get_or_insert(p);
                pos = next;
            }
            // CPython 3 decodes a `PERSID` argument as ASCII (`load_persid`) and fails on
            // anything else: a zip's local header up to the first newline is no pickle.
            Ok((opcodes::Op::Persid(arg), _)) if !arg.is_ascii() => return None,
            Ok((opcodes::Op::Stop, _)) => break,
            Ok((_, next)) => pos = next,
            Err(_) => break,
        }
    }
    if !usual_start && imports == 0 && proto.is_none() {
        return None;
    }
    // The opcodes must also make sense together: run the machine on a short budget.
    let limits = machine::Limits {
        max_opcodes: SNIFF_OPS as u64,
        ..machine::Limits::default()
    };
    let mut m = Machine::new(data, limits, 0);
    let mut hook = |_: &Machine<'_>, _: NodeId, _: V, _: usize| HookResult::None;
    match m.run(0, &mut hook) {
        Outcome::Stop { .. } => Some(proto),
        Outcome::Limit { .. } if imports > 0 => Some(proto),
        Outcome::Error { index, .. } if index >= 3 && imports > 0 && index > first_import => {
            Some(proto)
        }
        // A protocol 0/1 stream of plain data (a list of 40 strings) runs past the first
        // window without an import; the import may come after it. It is a pickle when it
        // runs cleanly for the long window, or to where the sniffed bytes end.
        Outcome::Limit { .. } if usual_start => long_sniff(data).then_some(proto),
        _ => None,
    }
}

/// Opcodes a protocol 0/1 stream without an early import must run cleanly to be a pickle.
const LONG_SNIFF_OPS: u64 = 4096;

/// Whether `data` runs cleanly through the machine for [`LONG_SNIFF_OPS`] opcodes, to `STOP`,
/// or up to an opcode cut by the end of `data` (the sniffed head of a larger file).
fn long_sniff(data: &[u8]) -> bool {
    let limits = machine::Limits {
        max_opcodes: LONG_SNIFF_OPS,
        ..machine::Limits::default()
    };
    let mut m = Machine::new(data, limits, 0);
    let mut hook = |_: &Machine<'_>, _: NodeId, _: V, _: usize| HookResult::None;
    match m.run(0, &mut hook) {
        Outcome::Stop { .. } | Outcome::Limit { .. } => true,
        // The stream ran cleanly to where the sniffed bytes end: the head of a larger file.
        Outcome::Error { offset, .. } => matches!(
            opcodes::decode(data, offset),
            Err(opcodes::DecodeError::Truncated { .. } | opcodes::DecodeError::Eof)
        ),
    }
}

fn is_dotted_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.split('.').all(|p| {
            !p.is_empty()
                && !p.as_bytes()[0].is_ascii_digit()
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// What the calls and imports of one pickle add up to.
#[derive(Default)]
struct Tally {
    /// Any call that is not allowlisted (so a broken stream after it is a live payload).
    risky_call: bool,
    joblib: bool,
    torch_magic: bool,
}

/// Analyse a pickle stream (possibly several pickles); returns the refined format.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let mut pos = 0usize;
    let mut count = 0u32;
    let mut legacy = false;
    let mut joblib = false;
    let mut protocol: Option<u8> = None;
    let mut storages: BTreeMap<String, u64> = BTreeMap::new();
    let mut storage_keys: Vec<String> = Vec::new();
    loop {
        if ctx.budget.out_of_time() {
            ctx.limit(
                loc,
                &format!("time per input ({:?})", ctx.budget.limits.max_time),
                &format!("{} after offset {pos}", plural(data.len() - pos, "byte")),
            );
            break;
        }
        let mut limits = ctx.budget.limits.pickle;
        limits.max_opcodes = limits.max_opcodes.saturating_sub(ctx.budget.pickle_ops);
        let mut m = Machine::new(data, limits, 0);
        let mut sidecars: Vec<Sidecar> = Vec::new();
        let mut hook = |m: &Machine<'_>, id: NodeId, state: V, at: usize| {
            joblib_hook(m, id, state, at, &mut sidecars)
        };
        let outcome = m.run(pos, &mut hook);
        for s in sidecars {
            report_sidecar(ctx, loc, s);
        }
        ctx.budget.pickle_ops += m.ops;
        protocol = protocol.max(m.protocol);
        let bounded = matches!(outcome, Outcome::Limit { .. });
        let tally = evaluate(ctx, &m, loc, depth, bounded);
        joblib |= tally.joblib;
        count += 1;
        if count == 1 && tally.torch_magic {
            legacy = true;
        }
        if legacy && count == 4 {
            storages = torch_storage_sizes(&m);
        }
        if legacy && count == 5 {
            storage_keys = torch_storage_keys(&m);
        }
        match outcome {
            Outcome::Stop { end } => {
                pos = end;
                if pos >= data.len() {
                    break;
                }
                if legacy && count == 5 {
                    check_legacy_storages(ctx, data, pos, &storages, &storage_keys, loc);
                    break;
                }
                if looks_like(&data[pos..]).is_some() {
                    continue;
                }
                trailing(ctx, data, pos, loc, depth);
                break;
            }
            Outcome::Error {
                index,
                offset,
                message,
            } => {
                let span = Span::Opcode {
                    index,
                    offset: offset as u64,
                };
                let start = pos;
                let (rule, sev) = if tally.risky_call {
                    (&r::pickle_broken_after_call::RULE, Severity::High)
                } else {
                    (&r::pickle_malformed::RULE, Severity::Medium)
                };
                // A stream that ends cleanly between pickles is not an error: it was already
                // handled above. Here the stream broke inside a pickle.
                ctx.emit(
                    Finding::builder(rule, loc.with_span(span))
                        .severity(sev)
                        .message(if tally.risky_call {
                            "the pickle breaks after a call: the call runs before the loader fails"
                                .to_string()
                        } else {
                            format!("invalid pickle stream (pickle #{count})")
                        })
                        .evidence(message)
                        .build(),
                );
                hidden_pickles(ctx, data, start + 1, loc, depth);
                break;
            }
            Outcome::Limit {
                bound,
                offset,
                started,
            } => {
                let at = loc.with_span(Span::Offset {
                    offset: offset as u64,
                });
                let left = format!("{} of pickle stream", plural(data.len() - offset, "byte"));
                // The linear pass decodes every opcode after the bound. When it finds plain data
                // to the end (no import, no call) and nothing before the bound called anything
                // risky, only the value model of data was dropped: a large vocabulary, not a
                // hidden payload, so the finding is low.
                let mut found = Vec::new();
                let plain = linear_imports(&mut found, ctx, data, offset, started, loc, &m);
                if plain && !tally.risky_call {
                    ctx.limit_at(
                        Severity::Low,
                        &at,
                        &bound,
                        &format!("{left}, decoded opcode by opcode after it: plain data, no imports or calls"),
                    );
                } else {
                    ctx.limit(&at, &bound, &left);
                }
                for f in found {
                    ctx.emit(f);
                }
                break;
            }
        }
    }
    if legacy {
        Format::PytorchLegacy
    } else if joblib {
        Format::Joblib
    } else {
        Format::Pickle(protocol)
    }
}

/// Where the pickles at the start of `data` end, when they end inside it followed by bytes that
/// start no pickle: the offset after the last `STOP`. `None` when a pickle runs to the end of
/// `data` or breaks, when `data` is a legacy PyTorch file (raw storages follow its pickles),
/// or after 64 pickles. Used to decide that the bytes after `data` in a stream are not needed
/// ([`crate::formats::compress`]).
pub fn held_prefix(data: &[u8], limits: machine::Limits) -> Option<usize> {
    let mut pos = 0usize;
    for count in 0..64 {
        let mut m = Machine::new(data, limits, 0);
        let Outcome::Stop { end } = m.run(pos, &mut |_: &Machine<'_>, _, _, _| HookResult::None)
        else {
            return None;
        };
        if count == 0 && m.events.is_empty() && is_torch_magic(&m) {
            return None;
        }
        pos = end;
        if pos >= data.len() {
            return None;
        }
        if looks_like(&data[pos..]).is_none() {
            return Some(pos);
        }
    }
    None
}

/// The denylist category of callables that load another pickle or model
/// (`data/pickle-denylist.txt`).
const LOADS_PICKLE: &str = "loading another pickle or model";

/// Longest string the linear pass keeps as a possible `STACK_GLOBAL` operand.
const LINEAR_MAX_NAME: usize = 512;

/// Strings the linear pass keeps for memo fetches after the bound.
const LINEAR_MAX_MEMO: usize = 65_536;

/// Opcodes the linear pass decodes between two checks of the time budget.
const LINEAR_TIME_CHECK: u64 = 1 << 16;

/// Stack values the linear pass tracks the shape of; past it, it stops tracking them.
const LINEAR_MAX_STACK: usize = 1 << 24;

/// What the linear pass after a bound knows of a stack value: only whether a call made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Anything else: data, an import, a value the pass lost track of.
    Other,
    /// The result of a call: calling it calls something no name shows.
    Called,
}

/// The shapes of the stack during the linear pass: seeded from the machine's stack, marks and
/// memo at the bound, then moved by each opcode's stack effect (as `_pickle.c` moves its
/// stack), one byte a value. It finds a call whose callable is the result of another call
/// (a `getattr` chain too long for the value store, t24 h2), which the pass's imports cannot
/// show. Tracking stops (`live` false) on an underflow (a bound can cut a stack the machine
/// never finished), past [`LINEAR_MAX_STACK`] values or [`LINEAR_MAX_MEMO`] memo entries.
struct Shapes {
    stack: Vec<Shape>,
    marks: Vec<usize>,
    memo: HashMap<u64, Shape>,
    live: bool,
}

impl Shapes {
    fn of(m: &Machine<'_>, v: V) -> Shape {
        match m.node_of(v) {
            Some(Node::Call { .. }) => Shape::Called,
            _ => Shape::Other,
        }
    }

    fn seed(m: &Machine<'_>) -> Self {
        Shapes {
            stack: m.stack().iter().map(|v| Shapes::of(m, *v)).collect(),
            marks: m.marks().to_vec(),
            memo: HashMap::new(),
            live: true,
        }
    }

    fn pop(&mut self) -> Shape {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            self.live = false;
            return Shape::Other;
        }
        self.stack.pop().unwrap_or(Shape::Other)
    }

    /// Pop to the last mark; the first value above it.
    fn pop_mark(&mut self) -> Shape {
        let Some(at) = self.marks.pop() else {
            self.live = false;
            return Shape::Other;
        };
        let first = self.stack.get(at).copied().unwrap_or(Shape::Other);
        self.stack.truncate(at);
        first
    }

    fn push(&mut self, s: Shape) {
        if self.stack.len() >= LINEAR_MAX_STACK {
            self.live = false;
        } else {
            self.stack.push(s);
        }
    }

    fn mark(&mut self) {
        if self.marks.len() >= LINEAR_MAX_STACK {
            self.live = false;
        } else {
            self.marks.push(self.stack.len());
        }
    }

    /// Whether `op` pushes a value (the part of it a bound that stopped it left undone).
    fn pushes(op: &opcodes::Op<'_>) -> bool {
        use opcodes::Op as O;
        !matches!(
            op,
            O::Mark
                | O::Stop
                | O::Pop
                | O::PopMark
                | O::Append
                | O::Appends
                | O::Additems
                | O::Build
                | O::Put(_)
                | O::PutKey(_)
                | O::Memoize
                | O::Setitem
                | O::Setitems
                | O::Proto(_)
                | O::Frame(_)
                | O::ReadonlyBuffer
        )
    }

    /// Apply `op` (memo index `memo_at` for `PUT`/`MEMOIZE`); true when it is a call whose
    /// callable is the result of another call.
    fn step(&mut self, op: &opcodes::Op<'_>, memo_at: u64, m: &Machine<'_>) -> bool {
        use opcodes::Op as O;
        if !self.live {
            return false;
        }
        let mut computed = false;
        match op {
            O::Mark => self.mark(),
            O::Stop => {}
            O::Pop => {
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() > floor {
                    self.stack.pop();
                } else if self.marks.pop().is_none() {
                    self.live = false;
                }
            }
            O::PopMark => {
                self.pop_mark();
            }
            O::Dup => {
                let top = self.pop();
                self.push(top);
                self.push(top);
            }
            O::Binpersid => {
                self.pop();
                self.push(Shape::Other);
            }
            O::Reduce | O::Newobj => {
                self.pop();
                computed = self.pop() == Shape::Called;
                self.push(Shape::Called);
            }
            O::NewobjEx => {
                self.pop();
                self.pop();
                computed = self.pop() == Shape::Called;
                self.push(Shape::Called);
            }
            O::Obj => {
                computed = self.pop_mark() == Shape::Called;
                self.push(Shape::Called);
            }
            O::Inst(..) => {
                self.pop_mark();
                self.push(Shape::Called);
            }
            O::Append | O::Build => {
                self.pop();
            }
            O::Appends | O::Additems | O::Setitems => {
                self.pop_mark();
            }
            O::Setitem => {
                self.pop();
                self.pop();
            }
            O::StackGlobal => {
                self.pop();
                self.pop();
                self.push(Shape::Other);
            }
            O::Dict | O::List | O::Tuple | O::Frozenset => {
                self.pop_mark();
                self.push(Shape::Other);
            }
            O::Tuple1 | O::Tuple2 | O::Tuple3 => {
                let n = match op {
                    O::Tuple1 => 1,
                    O::Tuple2 => 2,
                    _ => 3,
                };
                for _ in 0..n {
                    self.pop();
                }
                self.push(Shape::Other);
            }
            O::Get(i) => {
                let s = match self.memo.get(i) {
                    Some(s) => *s,
                    None => m.memo_get(*i).map_or(Shape::Other, |v| Shapes::of(m, v)),
                };
                self.push(s);
            }
            // A key past `u64`: its value is not followed here.
            O::GetKey(_) => self.push(Shape::Other),
            O::PutKey(_) => {}
            O::Put(_) | O::Memoize => {
                let top = self.pop();
                self.push(top);
                if self.memo.len() >= LINEAR_MAX_MEMO && !self.memo.contains_key(&memo_at) {
                    self.live = false;
                } else {
                    self.memo.insert(memo_at, top);
                }
            }
            O::Proto(_) | O::Frame(_) | O::ReadonlyBuffer => {}
            _ => self.push(Shape::Other),
        }
        computed && self.live
    }
}

/// After the machine stopped on a bound at `start`, decode the rest of `data` linearly with the
/// opcode decoder alone (no stack, no memo), bounded by the file's size and the time budget,
/// and report the imports it names (the principle in `docs/rules/resource-limit.md`):
/// `GLOBAL` / `INST` by their inline names, `STACK_GLOBAL` by the two string pushes before it
/// when they are literal or memo entries holding strings (the memo the machine `m` built before
/// the bound, and the strings this pass memoises after it: `pickle.dumps` memoises a module name
/// once and fetches it for the next class of that module). A denylisted import is high; a
/// `STACK_GLOBAL` whose operands are not strings, followed by a call opcode, is high; an import
/// in neither list is low. The pass also follows the stack's shapes ([`Shapes`]): a call whose
/// callable is the result of another call is high. `started`: the opcode at `start` had begun
/// when the bound stopped it (its pops done, its push not).
///
/// The hits go to `out`; returns whether the rest was plain data: decoded to its end without an
/// import or a call opcode.
fn linear_imports(
    out: &mut Vec<Finding>,
    ctx: &mut Ctx,
    data: &[u8],
    start: usize,
    started: bool,
    loc: &Location,
    m: &Machine<'_>,
) -> bool {
    let mut shapes = Shapes::seed(m);
    let mut first = true;
    let mut proto = m.protocol;
    // Strings memoised after the bound, by memo index (`MEMOIZE` numbers on from the memo's
    // size at the bound).
    let mut local: HashMap<u64, String> = HashMap::new();
    let mut next_memo = m.memo_len();
    let mut plain = true;
    let mut pos = start;
    // The last two values pushed, as literal strings when they were one.
    let mut window: [Option<String>; 2] = [None, None];
    let mut unresolved_at: Option<usize> = None;
    let mut hits: BTreeMap<(&'static str, String), Hit> = BTreeMap::new();
    let mut ops = 0u64;
    let push = |w: &mut [Option<String>; 2], v: Option<String>| {
        w[0] = w[1].take();
        w[1] = v;
    };
    loop {
        ops += 1;
        if ops % LINEAR_TIME_CHECK == 0 && ctx.budget.out_of_time() {
            ctx.limit(
                &loc.with_span(Span::Offset { offset: pos as u64 }),
                &format!(
                    "time per input ({:?}) in the linear import pass",
                    ctx.budget.limits.max_time
                ),
                &format!("{} after offset {pos}", plural(data.len() - pos, "byte")),
            );
            plain = false;
            break;
        }
        // A stream the decoder cannot read further ends where Python's loader would fail.
        let Ok((op, next)) = opcodes::decode(data, pos) else {
            plain &= pos >= data.len();
            break;
        };
        let at = pos;
        pos = next;
        // The memo index a `MEMOIZE` here stores at (counted again below for the strings).
        let memo_at = match op {
            opcodes::Op::Put(i) => i,
            _ => next_memo,
        };
        if std::mem::take(&mut first) && started {
            // The machine ran this opcode's pops; what it pushes is not known.
            match op {
                opcodes::Op::Mark => shapes.mark(),
                ref o if Shapes::pushes(o) => shapes.push(Shape::Other),
                _ => {}
            }
        } else if shapes.step(&op, memo_at, m) {
            let hit = Hit {
                severity: Severity::High,
                rule: &r::pickle_unresolved_call::RULE,
                message: "after a bound stopped the analysis, a call opcode calls the result of another call, which no name shows".into(),
                evidence: format!(
                    "{} at offset {at} calls a value made by a call (the stack followed opcode by opcode from the bound)",
                    op.name()
                ),
                span: Span::Offset { offset: at as u64 },
                count: 1,
            };
            hits.entry((hit.rule.id, "computed".into()))
                .and_modify(|h| h.count += 1)
                .or_insert(hit);
        }
        let import = match op {
            opcodes::Op::Global(m, n) | opcodes::Op::Inst(m, n) => {
                push(&mut window, None);
                Some((m.into_owned(), n.into_owned()))
            }
            opcodes::Op::StackGlobal => {
                let found = match (&window[0], &window[1]) {
                    (Some(m), Some(n)) => Some((m.clone(), n.clone())),
                    _ => {
                        unresolved_at = Some(at);
                        None
                    }
                };
                push(&mut window, None);
                found
            }
            opcodes::Op::Unicode(t) => {
                push(
                    &mut window,
                    (t.len() <= LINEAR_MAX_NAME).then(|| t.into_owned()),
                );
                None
            }
            // Memo stores and frames leave the stack as it is; a string stored is kept (at most
            // as many as the memo bound) for the `GET`s after it.
            opcodes::Op::Memoize | opcodes::Op::Put(_) => {
                let i = match op {
                    opcodes::Op::Put(i) => i,
                    _ => {
                        next_memo += 1;
                        next_memo - 1
                    }
                };
                match &window[1] {
                    Some(s) if local.len() < LINEAR_MAX_MEMO => {
                        local.insert(i, s.clone());
                    }
                    _ => {
                        local.remove(&i);
                    }
                }
                None
            }
            opcodes::Op::GetKey(_) => {
                push(&mut window, None);
                None
            }
            opcodes::Op::PutKey(_) => None,
            opcodes::Op::Get(i) => {
                let text = local.get(&i).cloned().or_else(|| {
                    m.memo_text(i)
                        .filter(|t| t.len() <= LINEAR_MAX_NAME)
                        .map(|t| t.into_owned())
                });
                push(&mut window, text);
                None
            }
            opcodes::Op::Frame(_) => None,
            opcodes::Op::Proto(p) => {
                proto = Some(proto.map_or(p, |q| q.max(p)));
                None
            }
            opcodes::Op::Reduce
            | opcodes::Op::Obj
            | opcodes::Op::Newobj
            | opcodes::Op::NewobjEx
            | opcodes::Op::Build => {
                plain = false;
                push(&mut window, None);
                if let Some(u) = unresolved_at.take() {
                    let hit = Hit {
                        severity: Severity::High,
                        rule: &r::pickle_unresolved_call::RULE,
                        message: "after a bound stopped the analysis, a STACK_GLOBAL with operands that are not literal strings is followed by a call".into(),
                        evidence: format!("STACK_GLOBAL at offset {u}, call opcode at offset {at}"),
                        span: Span::Offset { offset: u as u64 },
                        count: 1,
                    };
                    hits.entry((hit.rule.id, "unresolved".into()))
                        .and_modify(|h| h.count += 1)
                        .or_insert(hit);
                }
                None
            }
            _ => {
                push(&mut window, None);
                None
            }
        };
        let Some((module, name)) = import else {
            continue;
        };
        plain = false;
        let (module, name, _) = machine::judged_global(&module, &name, proto);
        let shown = qualified(&module, &name);
        let hit = match classify::classify_uninitialised(&module, &name) {
            Class::Allowed => continue,
            Class::Denied(category) => Hit {
                severity: Severity::High.min(classify::call_severity(category)),
                rule: &r::pickle_dangerous_global::RULE,
                message: format!(
                    "imports {shown} ({category}) after the point where a bound stopped the analysis; what uses it was not followed"
                ),
                evidence: format!("{module}.{name} at offset {at}"),
                span: Span::Offset { offset: at as u64 },
                count: 1,
            },
            Class::Unknown => Hit {
                severity: Severity::Low,
                rule: &r::pickle_unknown_global::RULE,
                message: format!(
                    "imports {shown}, which is not allowlisted, after the point where a bound stopped the analysis"
                ),
                evidence: format!("{module}.{name} at offset {at}"),
                span: Span::Offset { offset: at as u64 },
                count: 1,
            },
        };
        hits.entry((hit.rule.id, shown))
            .and_modify(|h| h.count += 1)
            .or_insert(hit);
    }
    for h in hits.into_values() {
        out.push(hit_finding(loc, h));
    }
    plain
}

/// Bytes after the last pickle: another format is analysed as a nested artifact; anything else
/// is reported.
fn trailing(ctx: &mut Ctx, data: &[u8], pos: usize, loc: &Location, depth: u32) {
    let rest = &data[pos..];
    let f = crate::formats::sniff(rest);
    if !matches!(f, Format::Unknown | Format::Text) {
        let name = format!("<data after pickle at offset {pos}>");
        ctx.nested(rest, &loc.member(name.clone()), &name, depth + 1);
        return;
    }
    let shown = crate::finding::hex_head(rest, 16);
    hidden_pickles(ctx, data, pos, loc, depth);
    ctx.emit(
        Finding::builder(
            &r::pickle_trailing_data::RULE,
            loc.with_span(Span::Offset { offset: pos as u64 }),
        )
        .message(format!(
            "{} after the last pickle",
            plural(rest.len(), "byte")
        ))
        .evidence(format!("trailing bytes: {shown}"))
        .build(),
    );
}

/// Bytes after a broken pickle or after the last pickle searched for another pickle.
const HIDDEN_WINDOW: usize = 64 << 20;

/// Candidate starts tried by [`hidden_pickles`].
const HIDDEN_TRIES: usize = 64;

/// Places [`hidden_pickles`] looks at (a byte that may start a pickle) before it stops.
const HIDDEN_LOOKS: usize = 1 << 20;

/// Bytes read at each place: `GLOBAL`'s two names of at most 256 bytes and their line ends.
const HIDDEN_HEAD: usize = 2 * 256 + 3;

/// Look for whole pickles hidden in bytes no loader reads in order (after a pickle that breaks,
/// or after junk that follows the last pickle), starting at `from`: a payload placed there runs
/// for any reader that seeks to it, and it is how scanners that stop at the first error are
/// evaded. Candidates are a `PROTO` opcode with a protocol number, a `GLOBAL` or `INST` opcode
/// with two names, and a `MARK` right before an `INST`; each is run through the machine from
/// there. A candidate is kept only when it runs to `STOP` and the findings it gives include a
/// high or critical one (a denylisted or unresolvable call): random bytes that happen to decode
/// say nothing. Bounded by [`HIDDEN_WINDOW`] bytes, [`HIDDEN_LOOKS`] places looked at (each
/// reading at most [`HIDDEN_HEAD`] bytes), [`HIDDEN_TRIES`] runs, the opcode budget and the time
/// of the input; a bound that stops the search is reported as `resource-limit` (info).
fn hidden_pickles(ctx: &mut Ctx, data: &[u8], from: usize, loc: &Location, depth: u32) {
    let Some(tail) = data.get(from..) else {
        return;
    };
    let end = from + tail.len().min(HIDDEN_WINDOW);
    let mut tries = 0usize;
    let mut looked = 0usize;
    let mut at = from;
    while at < end && tries < HIDDEN_TRIES {
        let Some(i) = memchr::memchr3(0x80, b'c', b'(', &data[at..end]) else {
            break;
        };
        let start = at + i;
        at = start + 1;
        // Each look reads at most `HIDDEN_HEAD` bytes; a tail of nothing but `c` or `(` is
        // stopped by the count, and the time bound is checked as it goes.
        looked += 1;
        if looked > HIDDEN_LOOKS || (looked % 4096 == 0 && ctx.budget.out_of_time()) {
            ctx.limit_at(
                Severity::Info,
                &loc.with_span(Span::Offset {
                    offset: start as u64,
                }),
                &format!(
                    "{HIDDEN_LOOKS} places looked at for hidden pickles, or the time per input"
                ),
                &format!("{} after offset {start}", plural(end - start, "byte")),
            );
            return;
        }
        if !hidden_start(&data[start..end.min(start + HIDDEN_HEAD)]) {
            continue;
        }
        tries += 1;
        let mut limits = ctx.budget.limits.pickle;
        limits.max_opcodes = limits.max_opcodes.saturating_sub(ctx.budget.pickle_ops);
        let mut m = Machine::new(data, limits, 0);
        let outcome = m.run(start, &mut |_: &Machine<'_>, _, _, _| HookResult::None);
        ctx.budget.pickle_ops += m.ops;
        let Outcome::Stop { end: stop } = outcome else {
            continue;
        };
        let before = ctx.findings.len();
        evaluate(ctx, &m, loc, depth, false);
        if ctx.findings[before..]
            .iter()
            .any(|f| f.severity >= Severity::High)
        {
            for f in &mut ctx.findings[before..] {
                f.message = format!(
                    "{} (in a pickle hidden at offset {start}, after bytes a loader stops at)",
                    f.message
                );
            }
            at = stop.max(at);
        } else {
            ctx.findings.truncate(before);
        }
    }
    if end < data.len() && at >= end {
        ctx.limit_at(
            Severity::Info,
            &loc.with_span(Span::Offset { offset: end as u64 }),
            &format!(
                "{} searched for hidden pickles",
                plural(HIDDEN_WINDOW, "byte")
            ),
            &format!("{} after offset {end}", plural(data.len() - end, "byte")),
        );
    }
}

/// Whether `head` starts like a pickle: `PROTO` 0-5 followed by an opcode, `GLOBAL` or `INST`
/// with a module and a name line, or `MARK` followed by such an `INST` within the head.
fn hidden_start(head: &[u8]) -> bool {
    let names = |b: &[u8]| {
        let mut lines = b.splitn(3, |&c| c == b'\n');
        let ok = |l: Option<&[u8]>| {
            l.is_some_and(|l| {
                !l.is_empty()
                    && l.len() <= 256
                    && (l[0].is_ascii_alphabetic() || l[0] == b'_')
                    && l.iter()
                        .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            })
        };
        ok(lines.next()) && ok(lines.next()) && lines.next().is_some()
    };
    match head {
        [0x80, p, _, ..] => *p <= 5,
        [b'c', rest @ ..] => names(rest),
        // The first `INST` on a line of its own within 256 bytes (after the arguments'
        // string lines).
        [b'(', rest @ ..] => {
            rest.first() == Some(&b'i') && names(&rest[1..])
                || memchr::memmem::find(&rest[..rest.len().min(256)], b"\ni")
                    .is_some_and(|i| names(&rest[i + 2..]))
        }
        _ => false,
    }
}

/// A side file named by an old joblib array wrapper that lies outside the pickle's folder.
struct Sidecar {
    /// The wrapper's class, as imported.
    class: String,
    /// The `filename` of its state.
    filename: String,
    /// Offset just after the `BUILD` that set it.
    at: usize,
}

/// True when a side-file name read relative to the pickle's folder lands outside it: absolute
/// (`/x`, `\\host\x`, `C:\x`) or with a `..` component (either separator).
pub fn escapes_folder(name: &str) -> bool {
    crate::formats::zip::is_traversal(name)
}

/// Report a side file outside the pickle's folder (`joblib-sidecar-path`).
fn report_sidecar(ctx: &mut Ctx, loc: &Location, s: Sidecar) {
    ctx.emit(
        Finding::builder(
            &r::joblib_sidecar_path::RULE,
            loc.with_span(Span::Offset {
                offset: s.at as u64,
            }),
        )
        .severity(Severity::High)
        .confidence(Confidence::High)
        .message(format!(
            "{} reads its array from a file outside the pickle's folder when loaded",
            s.class
        ))
        .evidence(format!("filename {:?}", s.filename))
        .build(),
    );
}

/// The class an object node was built from: the callable of a `NEWOBJ`/`REDUCE`, or the class
/// handed to `copyreg._reconstructor` / `__newobj__`.
fn built_class<'m>(m: &'m Machine<'_>, id: NodeId) -> Option<(&'m str, &'m str)> {
    let Node::Call { func, args, .. } = m.node(id) else {
        return None;
    };
    let Some(Node::Global { module, name }) = m.node_of(*func) else {
        return None;
    };
    if is_reconstructor(module, name) {
        let cls = *m.items_of(*args)?.first()?;
        let Some(Node::Global { module, name }) = m.node_of(cls) else {
            return None;
        };
        return Some((module, name));
    }
    Some((module, name))
}

/// joblib's `NumpyArrayWrapper`: after its `BUILD`, the array's raw bytes follow in the stream
/// (`joblib/numpy_pickle.py`, `write_array`/`read_array`), or a nested pickle for object arrays.
/// joblib's old `NDArrayWrapper` / `ZNDArrayWrapper` (`numpy_pickle_compat.py`) instead name a
/// side file in their state that `joblib.load` opens next to the pickle
/// (`os.path.join(dirname(pickle), filename)`, then `np.load(allow_pickle=True)`): a name that
/// leaves that folder is collected in `sidecars`.
fn joblib_hook(
    m: &Machine<'_>,
    id: NodeId,
    state: V,
    at: usize,
    sidecars: &mut Vec<Sidecar>,
) -> HookResult {
    let Some((module, name)) = built_class(m, id) else {
        return HookResult::None;
    };
    if !module.contains("numpy_pickle") {
        return HookResult::None;
    }
    if matches!(name, "NDArrayWrapper" | "ZNDArrayWrapper") {
        if let Some(filename) = m.dict_get(state, "filename").and_then(|v| m.text_of(v)) {
            if escapes_folder(&filename) {
                sidecars.push(Sidecar {
                    class: format!("{module}.{name}"),
                    filename: filename.into_owned(),
                    at,
                });
            }
        }
        return HookResult::None;
    }
    if name != "NumpyArrayWrapper" || !module.ends_with("numpy_pickle") {
        return HookResult::None;
    }
    let Some(dtype) = m.dict_get(state, "dtype") else {
        return HookResult::Error("NumpyArrayWrapper state without dtype".into());
    };
    let Some(code) = dtype_code(m, dtype) else {
        return HookResult::Error("NumpyArrayWrapper dtype not understood".into());
    };
    if code.contains('O') {
        return HookResult::NestedPickle;
    }
    let Some(itemsize) = itemsize(&code) else {
        return HookResult::Error(format!("NumpyArrayWrapper dtype {code:?} not understood"));
    };
    let shape = m
        .dict_get(state, "shape")
        .and_then(|s| m.items_of(s).map(<[V]>::to_vec))
        .unwrap_or_default();
    let mut count: u64 = 1;
    for d in shape {
        match d {
            V::Int(n) if n >= 0 => match count.checked_mul(n as u64) {
                Some(c) => count = c,
                None => return HookResult::Error("array shape overflows".into()),
            },
            _ => return HookResult::Error("array shape is not a tuple of integers".into()),
        }
    }
    let buf = m.buf();
    let mut skip = 0usize;
    if let Some(V::Int(_)) = m.dict_get(state, "numpy_array_alignment_bytes") {
        let Some(&pad) = buf.get(at) else {
            return HookResult::Error("array padding byte missing".into());
        };
        skip = 1 + usize::from(pad);
    }
    let Some(bytes) = count.checked_mul(itemsize) else {
        return HookResult::Error("array size overflows".into());
    };
    let left = (buf.len() - at) as u64;
    if bytes.saturating_add(skip as u64) > left {
        return HookResult::Error(format!(
            "array data ({}) runs past the end of the stream ({} left)",
            plural(bytes, "byte"),
            plural(left, "byte")
        ));
    }
    HookResult::Skip(skip + bytes as usize)
}

/// The dtype string of a `numpy.dtype('f8', False, True)` call value.
fn dtype_code(m: &Machine<'_>, v: V) -> Option<String> {
    let Node::Call { func, args, .. } = m.node_of(v)? else {
        return None;
    };
    let Node::Global { name, .. } = m.node_of(*func)? else {
        return None;
    };
    if name != "dtype" {
        return None;
    }
    let first = *m.items_of(*args)?.first()?;
    m.text_of(first).map(|t| t.into_owned())
}

/// NumPy item size for a dtype code such as `f8`, `<i4`, `U10`, `S5`, `b1`, `M8[ns]`.
pub fn itemsize(code: &str) -> Option<u64> {
    let c = code.trim_start_matches(['<', '>', '=', '|']);
    let kind = c.chars().next()?;
    let digits: String = c[kind.len_utf8()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: u64 = if digits.is_empty() {
        match kind {
            '?' | 'b' | 'B' => 1,
            _ => return None,
        }
    } else {
        digits.parse().ok()?
    };
    Some(match kind {
        'U' => n * 4,
        _ => n,
    })
}

/// What a callable is, as far as the bytes tell.
enum Callee {
    Global {
        node: NodeId,
        module: String,
        name: String,
    },
    Unresolved(String),
}

/// Attribute lookups followed through `getattr` chains before a callable counts as unresolved.
const MAX_GETATTR_CHAIN: usize = 16;

/// Resolve the callable `v` statically: a global, a global's attribute fetched with a constant
/// `getattr` (followed up to [`MAX_GETATTR_CHAIN`] links, iteratively), or unresolved.
fn resolve(m: &Machine<'_>, v: V) -> Callee {
    let mut attrs: Vec<String> = Vec::new();
    let mut cur = v;
    loop {
        match m.node_of(cur) {
            Some(Node::Global { module, name }) => {
                let mut name = name.clone();
                for a in attrs.iter().rev() {
                    name.push('.');
                    name.push_str(a);
                }
                return Callee::Global {
                    node: node_id(cur),
                    module: module.clone(),
                    name,
                };
            }
            Some(Node::Unresolved(why)) => return Callee::Unresolved(why.clone()),
            Some(Node::Call { func, args, .. }) if attrs.len() < MAX_GETATTR_CHAIN => {
                match getattr_parts(m, *func, *args) {
                    Some((target, attr)) => {
                        attrs.push(attr);
                        cur = target;
                    }
                    None => {
                        return Callee::Unresolved(format!(
                            "the result of another call, {}",
                            render::render(m, cur)
                        ))
                    }
                }
            }
            Some(Node::Call { .. }) => {
                return Callee::Unresolved(format!(
                    "a getattr chain longer than {MAX_GETATTR_CHAIN} links"
                ))
            }
            _ => {
                return Callee::Unresolved(format!(
                    "a value that is not a callable, {}",
                    render::render(m, cur)
                ))
            }
        }
    }
}

/// The id of a value known to be a node (`m.node_of(v)` was `Some`); `u32::MAX`, which no
/// node has, otherwise: never look it up.
fn node_id(v: V) -> NodeId {
    match v {
        V::Node(id) => id,
        _ => u32::MAX,
    }
}

/// `getattr(target, 'name')` with a constant, non-dunder name of at most 128 characters:
/// (target, name).
fn getattr_parts(m: &Machine<'_>, func: V, args: V) -> Option<(V, String)> {
    let Some(Node::Global { module, name }) = m.node_of(func) else {
        return None;
    };
    if !is_getattr(module, name) {
        return None;
    }
    let items = m.items_of(args)?;
    if items.len() != 2 {
        return None;
    }
    let attr = m.text_of(items[1])?;
    if attr.starts_with("__") || attr.len() > 128 {
        return None;
    }
    Some((items[0], attr.into_owned()))
}

fn is_getattr(module: &str, name: &str) -> bool {
    name == "getattr" && matches!(module, "builtins" | "__builtin__")
}

/// numpy's ufunc unpickler, `numpy.core._ufunc_reconstruct` (`numpy._core` since NumPy 2).
fn is_ufunc_reconstruct(module: &str, name: &str) -> bool {
    name == "_ufunc_reconstruct" && matches!(module, "numpy.core" | "numpy._core")
}

fn is_reconstructor(module: &str, name: &str) -> bool {
    matches!(module, "copyreg" | "copy_reg")
        && matches!(name, "_reconstructor" | "__newobj__" | "__newobj_ex__")
}

/// Emit one (possibly repeated) hit as a finding: high and critical ones with high confidence,
/// the count in the message when it occurred more than once.
fn emit_hit(ctx: &mut Ctx, loc: &Location, h: Hit) {
    ctx.emit(hit_finding(loc, h));
}

/// The finding of one hit ([`emit_hit`]).
fn hit_finding(loc: &Location, h: Hit) -> Finding {
    let message = if h.count > 1 {
        format!("{} ({} times)", h.message, h.count)
    } else {
        h.message
    };
    Finding::builder(h.rule, loc.with_span(h.span))
        .severity(h.severity)
        .confidence(if h.severity >= Severity::High {
            Confidence::High
        } else {
            Confidence::Medium
        })
        .message(message)
        .evidence(h.evidence)
        .build()
}

struct Hit {
    severity: Severity,
    rule: &'static crate::rules::Rule,
    message: String,
    evidence: String,
    span: Span,
    count: u32,
}

/// Turn one machine's events into findings; returns what the driver needs to know. `bounded`:
/// the machine stopped on a bound, so a denylisted import it saw may be called by opcodes it
/// never ran.
fn evaluate(ctx: &mut Ctx, m: &Machine<'_>, loc: &Location, depth: u32, bounded: bool) -> Tally {
    let mut tally = Tally::default();
    let mut called: HashSet<NodeId> = HashSet::new();
    // Findings keyed by (rule, subject) so a callable used a thousand times is one finding.
    let mut hits: BTreeMap<(&'static str, String), Hit> = BTreeMap::new();
    // A repeat keeps the worst of the two (one opcode can reach a callable twice, as a
    // helper's argument and as what the helper calls); a repeat at the same opcode is the
    // same occurrence and is not counted again.
    let add = |hits: &mut BTreeMap<(&'static str, String), Hit>, key: String, hit: Hit| match hits
        .entry((hit.rule.id, key))
    {
        std::collections::btree_map::Entry::Occupied(mut e) => {
            let h = e.get_mut();
            let count = h.count + u32::from(h.span != hit.span);
            if hit.severity > h.severity {
                *h = hit;
            }
            h.count = count;
        }
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(hit);
        }
    };
    let mut nested: Vec<(NestedBytes, u64)> = Vec::new();
    let mut owned = 0usize;
    // Calls of a pickle loader on constant bytes (`torch.storage._load_from_bytes(b'…')`, what
    // `pickle.dumps` of a CUDA tensor writes): the hit's key and the range of `nested` items
    // its arguments hold, graded after those pickles are analysed.
    let mut loaders: Vec<((&'static str, String), std::ops::Range<usize>)> = Vec::new();
    // The nodes whose value some call calls: the callee of every call, and, through getattr
    // links, what each looked-up attribute was taken from. A getattr whose result is never
    // called leaves its target a reference (`getattr(os.sys, 'modules')` handed back).
    let mut callees: HashSet<NodeId> = HashSet::new();
    for ev in &m.events {
        if let Event::Call { node, .. } = *ev {
            // A callee that is no node (`None`, a number: a hostile pickle calls anything) has
            // nothing behind it to look up.
            if let Some(Node::Call {
                func: V::Node(f), ..
            }) = m.node_of(V::Node(node))
            {
                callees.insert(*f);
            }
        }
    }
    for _ in 0..MAX_GETATTR_CHAIN {
        let mut more = Vec::new();
        for &c in &callees {
            if let Some(Node::Call { func, args, .. }) = m.node_of(V::Node(c)) {
                if let Some((V::Node(target), _)) = getattr_parts(m, *func, *args) {
                    if !callees.contains(&target) {
                        more.push(target);
                    }
                }
            }
        }
        if more.is_empty() {
            break;
        }
        callees.extend(more);
    }

    for ev in &m.events {
        match *ev {
            Event::Call {
                node,
                index,
                offset,
            } => {
                let Node::Call {
                    func, args, kind, ..
                } = m.node(node)
                else {
                    continue;
                };
                let (func, args, kind) = (*func, *args, *kind);
                let span = Span::Opcode { index, offset };
                let evidence = render::render(m, V::Node(node));
                for inv in invocations(m, func, args, kind) {
                    let Invocation {
                        func,
                        args,
                        single,
                        kind,
                        via,
                    } = inv;
                    let items: Option<&[V]> = if single {
                        Some(std::slice::from_ref(&args))
                    } else {
                        m.items_of(args)
                    };
                    // The helper that makes this call, for messages.
                    let by = via.as_ref().map_or(String::new(), |(shown, gnode)| {
                        called.insert(*gnode);
                        format!(", called by {shown}")
                    });
                    match resolve(m, func) {
                        Callee::Unresolved(why) => {
                            tally.risky_call = true;
                            let caller = via
                                .as_ref()
                                .map_or_else(|| kind.opcode().to_string(), |(s, _)| s.clone());
                            add(
                                &mut hits,
                                evidence.clone(),
                                Hit {
                                    severity: Severity::High,
                                    rule: &r::pickle_unresolved_call::RULE,
                                    message: format!(
                                        "{caller} calls something that cannot be named statically: {why}"
                                    ),
                                    evidence: evidence.clone(),
                                    span: span.clone(),
                                    count: 1,
                                },
                            );
                            collect_nested(m, args, &mut nested, offset, &mut owned);
                        }
                        Callee::Global {
                            node: gnode,
                            module,
                            name,
                        } => {
                            called.insert(gnode);
                            if module.ends_with("numpy_pickle") && name.ends_with("ArrayWrapper") {
                                tally.joblib = true;
                            }
                            // getattr with a resolvable target is a lookup, graded where it is used.
                            if is_getattr(&module, &name) && via.is_none() {
                                if let Some(h) = grade_getattr(m, args, span.clone(), &evidence) {
                                    tally.risky_call = true;
                                    add(&mut hits, evidence.clone(), h);
                                } else if let Some(items) = m.items_of(args) {
                                    if let Some(&first) = items.first() {
                                        if let (Some(Node::Global { .. }), true) =
                                            (m.node_of(first), callees.contains(&node))
                                        {
                                            called.insert(node_id(first));
                                        }
                                    }
                                }
                                continue;
                            }
                            // numpy's `_ufunc_reconstruct(module, name)` imports `module` and
                            // returns its attribute `name` (numpy/_core/__init__.py): a lookup, like
                            // GLOBAL, graded by what it looks up. Calling what it returns is a call
                            // of another call's result, graded where that happens.
                            if is_ufunc_reconstruct(&module, &name) {
                                let target = items.and_then(|a| match a {
                                    [tm, tn] => Some((m.text_of(*tm)?, m.text_of(*tn)?)),
                                    _ => None,
                                });
                                if let Some((tm, tn)) = target {
                                    let numpy = tm == "numpy" || tm.starts_with("numpy.");
                                    match classify(&tm, &tn) {
                                        Class::Allowed => continue,
                                        Class::Unknown if numpy => continue,
                                        Class::Denied(category) => {
                                            tally.risky_call = true;
                                            let looked = qualified(&tm, &tn);
                                            add(
                                                &mut hits,
                                                looked.clone(),
                                                Hit {
                                                    severity: classify::call_severity(category),
                                                    rule: &r::pickle_dangerous_call::RULE,
                                                    message: format!(
                                                        "looks up {looked} ({category}) through numpy's _ufunc_reconstruct"
                                                    ),
                                                    evidence: evidence.clone(),
                                                    span: span.clone(),
                                                    count: 1,
                                                },
                                            );
                                            continue;
                                        }
                                        Class::Unknown => {}
                                    }
                                }
                            }
                            let shown = qualified(&module, &name);
                            let no_args = items.is_some_and(<[V]>::is_empty);
                            // `__init__` runs only for a call with arguments that is not
                            // `cls.__new__` (see `classify::init_only`).
                            let initialised =
                                !matches!(kind, CallKind::Newobj | CallKind::NewobjEx) && !no_args;
                            let class = if initialised {
                                classify(&module, &name)
                            } else {
                                classify::classify_uninitialised(&module, &name)
                            };
                            let class = match class {
                                Class::Unknown if stdlib_reduce_shape(m, &module, &name, items) => {
                                    Class::Allowed
                                }
                                c => c,
                            };
                            let callee_critical = matches!(class, Class::Denied(c)
                                if classify::call_severity(c) == Severity::Critical);
                            if !callee_critical {
                                // A dangerous callable handed to any call at load time can be
                                // invoked by it (map, filter, sorted(key=), reduce, defaultdict...).
                                if let Some((g, gm, gn, cat)) = denied_in(m, args) {
                                    called.insert(g);
                                    tally.risky_call = true;
                                    let inner = qualified(&gm, &gn);
                                    add(
                                        &mut hits,
                                        inner.clone(),
                                        Hit {
                                            severity: classify::call_severity(cat),
                                            rule: &r::pickle_dangerous_call::RULE,
                                            message: format!(
                                                "hands {inner} ({cat}) to {shown} at load time, which can call it"
                                            ),
                                            evidence: evidence.clone(),
                                            span: span.clone(),
                                            count: 1,
                                        },
                                    );
                                }
                            }
                            match class {
                                Class::Allowed => {}
                                Class::Denied(category) => {
                                    tally.risky_call = true;
                                    // `NEWOBJ` runs only `cls.__new__`: a denylisted class is built
                                    // without its `__init__` (a function fails). Nothing of it has
                                    // run yet, but no real file builds one: high, not critical.
                                    let new_only =
                                        matches!(kind, CallKind::Newobj | CallKind::NewobjEx);
                                    let (severity, message) = if new_only {
                                        (
                                            classify::call_severity(category).min(Severity::High),
                                            format!(
                                                "builds {shown} at load time through {} ({category}){by}; only its __new__ runs, so what it does is left to code that uses the object",
                                                kind.opcode()
                                            ),
                                        )
                                    } else {
                                        (
                                            classify::call_severity(category),
                                            format!("calls {shown} at load time ({category}){by}"),
                                        )
                                    };
                                    add(
                                        &mut hits,
                                        shown.clone(),
                                        Hit {
                                            severity,
                                            rule: &r::pickle_dangerous_call::RULE,
                                            message,
                                            evidence: evidence.clone(),
                                            span: span.clone(),
                                            count: 1,
                                        },
                                    );
                                    let from = nested.len();
                                    collect_nested(m, args, &mut nested, offset, &mut owned);
                                    if category == LOADS_PICKLE {
                                        loaders.push((
                                            (r::pickle_dangerous_call::RULE.id, shown.clone()),
                                            from..nested.len(),
                                        ));
                                    }
                                }
                                Class::Unknown => {
                                    tally.risky_call = true;
                                    let (severity, how) = grade_unknown(&name, kind, no_args);
                                    add(
                                        &mut hits,
                                        shown.clone(),
                                        Hit {
                                            severity,
                                            rule: &r::pickle_unknown_call::RULE,
                                            message: format!(
                                                "{how}: {shown} is not allowlisted{by}"
                                            ),
                                            evidence: evidence.clone(),
                                            span: span.clone(),
                                            count: 1,
                                        },
                                    );
                                    collect_nested(m, args, &mut nested, offset, &mut owned);
                                }
                            }
                        }
                    }
                }
            }
            Event::NameCut {
                node,
                parts,
                bytes,
                index,
                offset,
            } => {
                let shown = render::render(m, V::Node(node));
                ctx.limit(
                    &loc.with_span(Span::Opcode { index, offset }),
                    &format!(
                        "a global's module or name of at most {} dotted parts and {} bytes",
                        machine::MAX_GLOBAL_PARTS,
                        machine::MAX_GLOBAL_BYTES
                    ),
                    &format!(
                        "the rest of a name of {parts} parts ({bytes} bytes); judged by its first parts, {shown}"
                    ),
                );
            }
            Event::ReaderFails {
                ref message,
                index,
                offset,
            } => {
                add(
                    &mut hits,
                    format!("reader fails {offset}"),
                    Hit {
                        severity: Severity::Medium,
                        rule: &r::pickle_malformed::RULE,
                        message: "joblib's loader fails at this BUILD; pickle.load reads on, and so did the analysis".into(),
                        evidence: message.clone(),
                        span: Span::Opcode { index, offset },
                        count: 1,
                    },
                );
            }
            Event::ConfigTarget {
                ref key,
                ref value,
                index,
                offset,
            } => {
                // Data, not a call: it runs only where code instantiates the saved config
                // (Hydra's `instantiate(ckpt["hyper_parameters"]["model"])`): medium at most,
                // and only for what a config file would get more than low for.
                if let Some((severity, why)) =
                    crate::formats::hydra::judge_target(value).filter(|(s, _)| *s > Severity::Low)
                {
                    add(
                        &mut hits,
                        format!("config target {value}"),
                        Hit {
                            severity: severity.min(Severity::Medium),
                            rule: &crate::rules::repo::config_target_call::RULE,
                            message: format!(
                                "a config saved in the pickle (a `{key}` key) names {why}; code that instantiates the saved hyper-parameters imports and calls it"
                            ),
                            evidence: format!("{key}: {value}"),
                            span: Span::Opcode { index, offset },
                            count: 1,
                        },
                    );
                }
            }
            Event::BadProtocol { proto, offset } => {
                add(
                    &mut hits,
                    proto.to_string(),
                    Hit {
                        severity: Severity::Medium,
                        rule: &r::pickle_unsupported_protocol::RULE,
                        message: format!(
                            "PROTO {proto}: no Python unpickles protocols above 5; analysis went on"
                        ),
                        evidence: format!("PROTO {proto}"),
                        span: Span::Offset { offset },
                        count: 1,
                    },
                );
            }
            Event::BuildOnGlobal {
                target,
                index,
                offset,
            } => {
                add(
                    &mut hits,
                    format!("BUILD {}", render::render(m, target)),
                    Hit {
                        severity: Severity::High,
                        rule: &r::pickle_global_mutation::RULE,
                        message: "BUILD sets attributes on an imported module or class, not on an object made by this pickle: later imports of those names get the new values"
                            .into(),
                        evidence: format!("BUILD on {}", render::render(m, target)),
                        span: Span::Opcode { index, offset },
                        count: 1,
                    },
                );
            }
            Event::SetItemOnGlobal {
                target,
                ref keys,
                index,
                offset,
            } => {
                let shown = render::render(m, target);
                add(
                    &mut hits,
                    format!("SETITEM {shown}"),
                    Hit {
                        severity: Severity::High,
                        rule: &r::pickle_global_mutation::RULE,
                        message: format!(
                            "SETITEM stores into {shown}, an imported global, not a dict made by this pickle: a module's namespace or the process's state changes at load time"
                        ),
                        evidence: format!("{shown}[{}] = ...", keys.join("], [")),
                        span: Span::Opcode { index, offset },
                        count: 1,
                    },
                );
            }
            Event::Import { .. } => {}
        }
    }
    // Imports never called.
    for ev in &m.events {
        let Event::Import {
            node,
            index,
            offset,
        } = *ev
        else {
            continue;
        };
        let Node::Global { module, name } = m.node(node) else {
            continue;
        };
        if called.contains(&node) {
            continue;
        }
        let shown = qualified(module, name);
        let span = Span::Opcode { index, offset };
        match classify::classify_uninitialised(module, name) {
            Class::Allowed => {}
            Class::Denied(category) => add(
                &mut hits,
                shown.clone(),
                Hit {
                    severity: if bounded {
                        Severity::High
                    } else {
                        Severity::Medium
                    }
                    .min(classify::call_severity(category)),
                    rule: &r::pickle_dangerous_global::RULE,
                    message: if bounded {
                        format!(
                            "imports {shown} ({category}); analysis stopped at a bound before the opcodes that may call it"
                        )
                    } else {
                        format!(
                            "imports {shown} ({category}) without calling it; code that uses the loaded object may still call it"
                        )
                    },
                    evidence: format!("{module}.{name}"),
                    span,
                    count: 1,
                },
            ),
            Class::Unknown => add(
                &mut hits,
                shown.clone(),
                Hit {
                    severity: Severity::Low,
                    rule: &r::pickle_unknown_global::RULE,
                    message: format!("imports {shown}, which is not allowlisted"),
                    evidence: format!("{module}.{name}"),
                    span,
                    count: 1,
                },
            ),
        }
    }
    tally.torch_magic = m.events.is_empty() && is_torch_magic(m);
    // The constant pickles handed to calls are analysed first; a loader whose every argument
    // pickle was analysed and found clean (nothing at medium or above) loads data: low.
    let mut clean: Vec<bool> = Vec::with_capacity(nested.len());
    for (bytes, op_offset) in nested {
        let inner = match &bytes {
            NestedBytes::Range(start, len) => &m.buf()[*start..*start + *len],
            NestedBytes::Owned(b) => b.as_slice(),
        };
        let name = format!("<pickle argument at offset {op_offset}>");
        let before = ctx.findings.len();
        ctx.nested(inner, &loc.member(name.clone()), &name, depth + 1);
        clean.push(
            ctx.findings[before..]
                .iter()
                .all(|f| f.severity < Severity::Medium),
        );
    }
    let mut loaded_clean: BTreeMap<(&'static str, String), bool> = BTreeMap::new();
    for (key, range) in loaders {
        let ok = !range.is_empty() && clean[range].iter().all(|c| *c);
        *loaded_clean.entry(key).or_insert(true) &= ok;
    }
    for (key, ok) in loaded_clean {
        if let (true, Some(h)) = (ok, hits.get_mut(&key)) {
            h.severity = Severity::Low;
            h.message = format!(
                "{} on a constant pickle that was analysed and is clean (data, as `pickle.dumps` of a CUDA tensor writes)",
                h.message
            );
        }
    }
    for h in hits.into_values() {
        emit_hit(ctx, loc, h);
    }
    tally
}

/// The first denylisted callable among a call's arguments (through tuples, lists, sets and
/// dicts, four levels deep): (node, module, name, category). A value counts by what it is, not
/// by how it is spelled: a global, or an attribute fetched from one with a constant `getattr`
/// chain ([`resolve`]: `getattr(shlex.os, 'system')` is `shlex.os.system`, which is
/// `os.system`), wherever it flows (the memo hands back the same value). The node is the global
/// the value starts from.
fn denied_in(m: &Machine<'_>, args: V) -> Option<(NodeId, String, String, &'static str)> {
    let mut todo = vec![(args, 0u8)];
    let mut seen = 0usize;
    while let Some((v, d)) = todo.pop() {
        seen += 1;
        if seen > 4096 {
            return None;
        }
        match m.node_of(v) {
            Some(Node::Global { module, name }) => {
                if let Class::Denied(cat) = classify(module, name) {
                    return Some((node_id(v), module.clone(), name.clone(), cat));
                }
            }
            Some(Node::Call { func, args, .. }) if getattr_parts(m, *func, *args).is_some() => {
                if let Callee::Global { node, module, name } = resolve(m, v) {
                    if let Class::Denied(cat) = classify(&module, &name) {
                        return Some((node, module, name, cat));
                    }
                }
            }
            Some(Node::Tuple(items)) | Some(Node::List(items, _)) | Some(Node::Set(items, _))
                if d < 4 =>
            {
                todo.extend(items.iter().map(|x| (*x, d + 1)));
            }
            Some(Node::Dict(pairs, _)) if d < 4 => {
                todo.extend(pairs.iter().flat_map(|(k, x)| [(*k, d + 1), (*x, d + 1)]));
            }
            _ => {}
        }
    }
    None
}

/// One callable a call event runs, with what it is called with ([`invocations`]).
struct Invocation {
    /// The callable.
    func: V,
    /// Its arguments: a tuple or list value, or, when `single`, the one argument itself.
    args: V,
    single: bool,
    kind: CallKind,
    /// The allowlisted helper that makes this call (shown, and its `Global` node), when the
    /// call is made by a helper rather than by the opcode itself.
    via: Option<(String, NodeId)>,
}

/// The callables one call opcode runs. Mostly the callable itself; but some allowlisted
/// helpers call what they are given, and what they call is what is graded:
/// - `copyreg._reconstructor(cls, base, state)` (and `__newobj__`, `__newobj_ex__`) builds
///   `cls` through `cls.__new__`; `_reconstructor` with a `base` other than `object` also runs
///   `base.__new__(cls, state)` and `base.__init__(obj, state)` (`Lib/copyreg.py`): a call of
///   `base` with `state`, so `_reconstructor(Popen, Popen, argv)` is `Popen(argv)`;
/// - `torch._tensor._rebuild_from_type(func, type, args, dict)` and `_rebuild_from_type_v2(func,
///   new_type, args, state)` start with `func(*args)`: a call of `func`, allowlisted when `func`
///   is one of torch's rebuild functions (what `torch.save` writes for a tensor subclass).
///
/// The helper itself stays one of the invocations (it is allowlisted; what it is handed is
/// still checked).
fn invocations(m: &Machine<'_>, func: V, args: V, kind: CallKind) -> Vec<Invocation> {
    let plain = Invocation {
        func,
        args,
        single: false,
        kind,
        via: None,
    };
    let Callee::Global { node, module, name } = resolve(m, func) else {
        return vec![plain];
    };
    let items = m.items_of(args).unwrap_or(&[]);
    let via = Some((qualified(&module, &name), node));
    if is_reconstructor(&module, &name) {
        let Some(&cls) = items.first() else {
            return vec![plain];
        };
        // The class, built through `cls.__new__` (the whole argument tuple is what it is
        // handed).
        let mut out = vec![Invocation {
            func: cls,
            args,
            single: false,
            kind: CallKind::Newobj,
            via: via.clone(),
        }];
        if name == "_reconstructor" {
            if let [_, base, state, ..] = items {
                let object = matches!(m.node_of(*base), Some(Node::Global { module, name })
                    if matches!(module.as_str(), "builtins" | "__builtin__") && name == "object");
                if !object {
                    out.push(Invocation {
                        func: *base,
                        args: *state,
                        single: true,
                        kind: CallKind::Reduce,
                        via,
                    });
                }
            }
        }
        return out;
    }
    if module == "torch._tensor"
        && matches!(
            name.as_str(),
            "_rebuild_from_type" | "_rebuild_from_type_v2"
        )
    {
        if let [inner, _, inner_args, ..] = items {
            return vec![
                Invocation {
                    func: *inner,
                    args: *inner_args,
                    single: false,
                    kind: CallKind::Reduce,
                    via,
                },
                plain,
            ];
        }
    }
    vec![plain]
}

/// `module.name`, with the usual alias when the module is a platform alias (`posix.system`
/// is `os.system`).
fn qualified(module: &str, name: &str) -> String {
    match classify::display_alias(module) {
        Some(alias) => format!("{module}.{name} ({alias}.{name})"),
        None => format!("{module}.{name}"),
    }
}

/// Calls the standard library's own `__reduce__` methods write, with the only arguments they
/// write, which rebuild a value and do nothing else: `builtins.type(None)` (and `NotImplemented`,
/// `Ellipsis`; `pickle`'s `save_type` for `NoneType` and its siblings) and
/// `logging.getLogger()` / `logging.getLogger('name')` (`Logger.__reduce__`, `RootLogger`'s).
/// Any other argument leaves the call unknown.
fn stdlib_reduce_shape(m: &Machine<'_>, module: &str, name: &str, items: Option<&[V]>) -> bool {
    let Some(items) = items else {
        return false;
    };
    match (module, name) {
        ("builtins", "type") => match items {
            [V::None] => true,
            [v] => matches!(m.node_of(*v), Some(Node::Global { module, name })
                if module == "builtins" && matches!(name.as_str(), "NotImplemented" | "Ellipsis")),
            _ => false,
        },
        ("logging", "getLogger") => match items {
            [] => true,
            [v] => matches!(m.node_of(*v), Some(Node::Str(_))),
            _ => false,
        },
        _ => false,
    }
}

/// Grade a call of an unknown callable (the principle in `docs/rules/pickle-unknown-call.md`).
fn grade_unknown(name: &str, kind: CallKind, no_args: bool) -> (Severity, &'static str) {
    if matches!(kind, CallKind::Newobj | CallKind::NewobjEx) {
        (Severity::Low, "object reconstruction (cls.__new__)")
    } else if no_args && classify::looks_like_class(name) {
        (
            Severity::Low,
            "object reconstruction (called without arguments)",
        )
    } else if no_args {
        // `web_pdb.set_trace()`, `pytest.main()`: a function does what it does without
        // arguments too.
        (Severity::Medium, "a function called without arguments")
    } else if classify::looks_like_class(name) {
        (
            Severity::Low,
            "object reconstruction (a class called with data)",
        )
    } else {
        (Severity::Medium, "a function called with arguments")
    }
}

/// `getattr(x, name)` that is not a plain attribute of a known global: a bound method of a data
/// object, a dunder attribute, or a name computed at load.
fn grade_getattr(m: &Machine<'_>, args: V, span: Span, evidence: &str) -> Option<Hit> {
    let items = m.items_of(args)?;
    let attr = items.get(1).and_then(|v| m.text_of(*v));
    let target_is_global = items
        .first()
        .is_some_and(|v| matches!(resolve(m, *v), Callee::Global { .. }));
    let (severity, why) = match attr {
        Some(a) if a.starts_with("__") => (Severity::High, "reads a dunder attribute"),
        Some(_) if target_is_global => return None,
        Some(_) => (
            Severity::Medium,
            "fetches a method of a data object (a pickled bound method)",
        ),
        None => (
            Severity::High,
            "fetches an attribute whose name is computed",
        ),
    };
    Some(Hit {
        severity,
        rule: &r::pickle_attribute_access::RULE,
        message: format!("builtins.getattr {why}"),
        evidence: evidence.to_string(),
        span,
        count: 1,
    })
}

/// Where a nested artifact's bytes are: a range of the machine's buffer, or bytes rebuilt from
/// the stream (`_codecs.encode(text, 'latin1')`, how protocols 0-2 write `bytes`).
enum NestedBytes {
    /// (start, len) in the machine's buffer.
    Range(usize, usize),
    /// Bytes the loader would build from a constant.
    Owned(Vec<u8>),
}

/// Most bytes rebuilt for nested analysis per pickle (the text they come from is in the input
/// already, so this bounds a copy, not a read).
const MAX_NESTED_OWNED: usize = 256 << 20;

/// Byte strings among a call's arguments that are themselves pickles or another known format
/// (with the call's opcode offset), analysed as nested artifacts: borrowed `bytes` constants,
/// owned ones, `_codecs.encode(text, 'latin1')` / `codecs.encode` (what `pickle.dumps` with
/// protocol 0-2 writes for `bytes`), looked through `io.BytesIO(…)`, `bytearray(…)` and tuples
/// and lists three levels deep. `owned` counts the bytes rebuilt against [`MAX_NESTED_OWNED`].
fn collect_nested(
    m: &Machine<'_>,
    args: V,
    out: &mut Vec<(NestedBytes, u64)>,
    offset: u64,
    owned: &mut usize,
) {
    let base = m.buf().as_ptr() as usize;
    let worth = |b: &[u8]| {
        b.len() >= 4 && (looks_like(b).is_some() || crate::formats::sniff(b) != Format::Unknown)
    };
    let mut todo = vec![(args, 0u8)];
    while let Some((v, d)) = todo.pop() {
        match m.node_of(v) {
            Some(Node::Bytes(std::borrow::Cow::Borrowed(b))) if worth(b) => {
                let start = b.as_ptr() as usize - base;
                out.push((NestedBytes::Range(start, b.len()), offset));
            }
            Some(Node::Bytes(std::borrow::Cow::Owned(b)))
                if worth(b) && *owned + b.len() <= MAX_NESTED_OWNED =>
            {
                *owned += b.len();
                out.push((NestedBytes::Owned(b.clone()), offset));
            }
            Some(Node::Tuple(items)) | Some(Node::List(items, _)) if d < 3 => {
                todo.extend(items.iter().map(|x| (*x, d + 1)));
            }
            Some(Node::Call { func, args, .. }) if d < 3 => {
                let Callee::Global { module, name, .. } = resolve(m, *func) else {
                    continue;
                };
                let items = m.items_of(*args).unwrap_or(&[]);
                match (module.as_str(), name.as_str()) {
                    ("_codecs" | "codecs", "encode") => {
                        let (Some(text), Some(enc)) = (
                            items.first().and_then(|x| m.text_of(*x)),
                            items.get(1).and_then(|x| m.text_of(*x)),
                        ) else {
                            continue;
                        };
                        let enc = enc.to_ascii_lowercase().replace(['-', '_'], "");
                        if !matches!(enc.as_str(), "latin1" | "iso88591" | "l1" | "latin") {
                            continue;
                        }
                        if *owned + text.len() > MAX_NESTED_OWNED {
                            continue;
                        }
                        // Latin-1: each character is one byte; a character past U+00FF fails.
                        let bytes: Option<Vec<u8>> = text
                            .chars()
                            .map(|c| u8::try_from(u32::from(c)).ok())
                            .collect();
                        if let Some(b) = bytes.filter(|b| worth(b)) {
                            *owned += b.len();
                            out.push((NestedBytes::Owned(b), offset));
                        }
                    }
                    ("_io" | "io", "BytesIO")
                    | ("builtins" | "__builtin__", "bytearray" | "bytes") => {
                        todo.extend(items.iter().take(1).map(|x| (*x, d + 1)));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The first pickle of a legacy `torch.save` file is the magic number.
fn is_torch_magic(m: &Machine<'_>) -> bool {
    m.nodes.iter().any(|n| match n {
        Node::BigInt(s) => s.eq_ignore_ascii_case(TORCH_MAGIC),
        _ => false,
    })
}

/// Element sizes of the storages a legacy data pickle refers to, by key, from its persistent
/// ids `('storage', torch.FloatStorage, key, location, numel, ...)`.
fn torch_storage_sizes(m: &Machine<'_>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for n in &m.nodes {
        let Node::PersId(pid) = n else { continue };
        let Some(items) = m.items_of(*pid) else {
            continue;
        };
        if items.len() < 3 {
            continue;
        }
        let Some(Node::Global { name, .. }) = m.node_of(items[1]) else {
            continue;
        };
        let Some(key) = m.text_of(items[2]) else {
            continue;
        };
        let size = match name.as_str() {
            "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
            "FloatStorage" | "IntStorage" | "QInt32Storage" => 4,
            "HalfStorage" | "BFloat16Storage" | "ShortStorage" => 2,
            "ByteStorage" | "CharStorage" | "BoolStorage" | "QInt8Storage" | "QUInt8Storage" => 1,
            "ComplexDoubleStorage" => 16,
            _ => continue,
        };
        out.insert(key.into_owned(), size);
    }
    out
}

/// The storage-key list (the fifth pickle of a legacy file).
fn torch_storage_keys(m: &Machine<'_>) -> Vec<String> {
    // The list is the last list node built.
    m.nodes
        .iter()
        .rev()
        .find_map(|n| match n {
            Node::List(items, _) => Some(
                items
                    .iter()
                    .filter_map(|v| m.text_of(*v).map(|t| t.into_owned()))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// After the storage keys come, per key, an 8-byte element count and the raw elements. Bytes
/// beyond them are never read by PyTorch.
fn check_legacy_storages(
    ctx: &mut Ctx,
    data: &[u8],
    start: usize,
    sizes: &BTreeMap<String, u64>,
    keys: &[String],
    loc: &Location,
) {
    let mut pos = start as u64;
    let len = data.len() as u64;
    for k in keys {
        let Some(&el) = sizes.get(k) else { return };
        if pos + 8 > len {
            return;
        }
        let p = pos as usize;
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[p..p + 8]);
        let n = u64::from_le_bytes(b);
        pos = match n.checked_mul(el).and_then(|x| x.checked_add(pos + 8)) {
            Some(v) => v,
            None => return,
        };
    }
    if pos < len && !keys.is_empty() {
        ctx.emit(
            Finding::builder(
                &crate::rules::pytorch::torch_legacy_trailing_data::RULE,
                loc.with_span(Span::Offset { offset: pos }),
            )
            .message(format!(
                "{} after the last storage",
                plural(len - pos, "byte")
            ))
            .evidence(format!(
                "storages end at offset {pos}; the file is {}",
                plural(len, "byte")
            ))
            .build(),
        );
    }
}
