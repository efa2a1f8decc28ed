//! Translating a policy function's syntax tree into closures.
//!
//! Each expression and statement becomes a closure that computes its [`Val`] from a
//! [`Frame`]: the argument, the locals (by slot, resolved here), and the constant pool.
//! Names are resolved once: a local to its slot, a resource field to its [`FieldId`], a
//! count to its index, `global::` constants and `param(...)` to their values for this run.
//!
//! What the translation does not cover is refused here with the construct and where it
//! is ([`Unsupported`]), and the whole policy runs in the interpreter. What it covers but
//! meets a value it does not handle at run time (an error Rhai raises, a type it does not
//! add) stops the call with [`Stop::Fallback`], and that one call runs in the interpreter.

use std::rc::Rc;

use rhai::{ASTFlags, Expr, FnCallExpr, Position, Stmt};
use smallvec::SmallVec;

use super::value::{self, Arith, Const, Val};
use crate::model::resource::{FieldId, Severities};

/// How a closure's computation ended, other than with a value.
pub(super) enum Stop<'a> {
    Return(Val<'a>),
    Break,
    Continue,
    /// Leave this call to the interpreter.
    Fallback,
}

pub(super) type Res<'a> = Result<Val<'a>, Stop<'a>>;

/// A compiled expression or statement.
pub(super) type Node = Box<dyn for<'a> Fn(&mut Frame<'a>) -> Res<'a> + Send + Sync>;

/// A compiled condition: an expression whose value must be a boolean, computed without
/// making a value of it.
type Test = Box<dyn for<'a> Fn(&mut Frame<'a>) -> Result<bool, Stop<'a>> + Send + Sync>;

/// A read of a resource field on a local (`node.group`), or of a count beneath it
/// (`node.missing.critical`): the shape most conditions test, read without a closure a
/// step.
#[derive(Clone)]
struct Read {
    slot: usize,
    name: Box<str>,
    field: Option<FieldId>,
    /// The index of a count in [`Severities::FIELDS`], for `node.missing.critical`.
    count: Option<usize>,
}

impl Read {
    /// The field, when it is a string within the size limit: the common case of a
    /// condition, answered in registers. `None` sends the caller to [`Read::value`].
    #[inline]
    fn str_value<'a>(&self, f: &Frame<'a>) -> Option<&'a str> {
        let (Val::Resource(r), None) = (&f.locals[self.slot], self.count) else {
            return None;
        };
        match r.get(self.field?)? {
            crate::model::resource::Field::Str(s) if f.fits(&Val::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The field or count, when it is an integer. `None` sends the caller to
    /// [`Read::value`].
    #[inline]
    fn int_value(&self, f: &Frame<'_>) -> Option<i64> {
        use crate::model::resource::Field;
        let Val::Resource(r) = &f.locals[self.slot] else {
            return None;
        };
        match (self.count, r.get(self.field?)?) {
            (Some(i), Field::Counts(c)) => c.at(i),
            (None, Field::Int(n)) => Some(n),
            _ => None,
        }
    }

    /// The value, when the local is a resource and the read is one Rhai answers without
    /// an error; `None` sends the caller to its general path.
    fn value<'a>(&self, f: &Frame<'a>) -> Option<Val<'a>> {
        let Val::Resource(r) = f.locals[self.slot] else {
            return None;
        };
        let field = match self.field {
            Some(id) => r.get(id).or_else(|| r.column(&self.name))?,
            None => r.column(&self.name)?,
        };
        let v = match (self.count, field) {
            (None, field) => Val::of_field(field),
            (Some(i), crate::model::resource::Field::Counts(c)) => {
                c.at(i).map_or(Val::Unit, Val::Int)
            }
            (Some(_), _) => return None,
        };
        f.fits(&v).then_some(v)
    }
}

/// Everything one compiled call computes with.
pub(super) struct Frame<'a> {
    pub pool: &'a [Const],
    /// Slot 0 is the function's argument.
    pub locals: SmallVec<[Val<'a>; 8]>,
    /// Operations counted so far (an upper bound of what Rhai would count).
    pub ops: u64,
    pub max_ops: u64,
    pub max_string: usize,
    pub max_array: usize,
    pub max_map: usize,
}

impl Frame<'_> {
    /// Is `v` within the data size limits? Rhai weighs what every call, operator and
    /// property read returns; a value over a limit is an error there, so a fallback here.
    pub(super) fn fits(&self, v: &Val<'_>) -> bool {
        if matches!(
            v,
            Val::Unit
                | Val::Bool(_)
                | Val::Int(_)
                | Val::Float(_)
                | Val::Counts(_)
                | Val::Resource(_)
                | Val::Report(_)
        ) {
            return true;
        }
        let (arrays, maps, strings) = value::sizes(v);
        strings <= self.max_string && arrays <= self.max_array && maps <= self.max_map
    }

    /// `v`, or a fallback when it is over a data size limit.
    pub(super) fn checked<'a>(&self, v: Val<'a>) -> Res<'a> {
        if self.fits(&v) {
            Ok(v)
        } else {
            Err(Stop::Fallback)
        }
    }
}

/// Rhai counts an operation for each statement and expression it evaluates, and a few
/// more for a call's arguments and dispatch; this many per node is at least as many as it
/// counts, so a call that stays under the limit here stays under it in Rhai too.
pub(super) const OPS_PER_NODE: u64 = 4;

/// A construct the compiler does not translate, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub construct: String,
    pub line: usize,
    pub column: usize,
}

impl Unsupported {
    fn at(construct: impl Into<String>, pos: Position) -> Self {
        Unsupported {
            construct: construct.into(),
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
        }
    }
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}:{}", self.construct, self.line, self.column)
    }
}

type Out<T> = Result<T, Unsupported>;

/// What a function is compiled against: the values of `global::` and of the params.
pub(super) struct Env<'e> {
    pub params: &'e rhai::Map,
    pub now: i64,
    /// The policy's own literal `const`s, by name.
    pub constants: &'e [(String, rhai::Dynamic)],
}

/// Compiles one function's body.
pub(super) struct Compiler<'e> {
    env: &'e Env<'e>,
    pub pool: Vec<Const>,
    /// Visible names and their slots, innermost last.
    scope: Vec<(String, usize)>,
    /// Slots handed out (slot 0 is the argument).
    pub slots: usize,
    /// Nodes compiled, for the operation count of code outside loops.
    pub nodes: u64,
}

impl<'e> Compiler<'e> {
    pub(super) fn new(env: &'e Env<'e>, param: &str) -> Self {
        Compiler {
            env,
            pool: Vec::new(),
            scope: vec![(param.to_string(), 0)],
            slots: 1,
            nodes: 0,
        }
    }

    fn constant(&mut self, c: Const) -> Node {
        match c {
            Const::Unit => Box::new(|_| Ok(Val::Unit)),
            Const::Bool(b) => Box::new(move |_| Ok(Val::Bool(b))),
            Const::Int(n) => Box::new(move |_| Ok(Val::Int(n))),
            Const::Float(x) => Box::new(move |_| Ok(Val::Float(x))),
            other => {
                let i = self.pool.len();
                self.pool.push(other);
                Box::new(move |f| Ok(f.pool[i].val()))
            }
        }
    }

    /// A literal map key or a name, kept in the pool so values can borrow it.
    fn name(&mut self, name: &str) -> usize {
        let i = self.pool.len();
        self.pool.push(Const::Str(name.into()));
        i
    }

    /// A statement block in a scope of its own: the value of its last statement.
    pub(super) fn block(&mut self, stmts: &[Stmt]) -> Out<Node> {
        let mark = self.scope.len();
        let nodes: Vec<Node> = stmts.iter().map(|s| self.stmt(s)).collect::<Out<_>>()?;
        self.scope.truncate(mark);
        Ok(match nodes.len() {
            0 => Box::new(|_| Ok(Val::Unit)),
            1 => nodes
                .into_iter()
                .next()
                .unwrap_or_else(|| Box::new(|_| Ok(Val::Unit))),
            _ => Box::new(move |f| {
                let mut last = Val::Unit;
                for node in &nodes {
                    last = node(f)?;
                }
                Ok(last)
            }),
        })
    }

    fn stmt(&mut self, stmt: &Stmt) -> Out<Node> {
        self.nodes += 1;
        Ok(match stmt {
            Stmt::Noop(_) => Box::new(|_| Ok(Val::Unit)),
            Stmt::Expr(e) => self.expr(e)?,
            Stmt::FnCall(call, pos) => self.call(call, *pos)?,
            Stmt::Block(b) => self.block(b.statements())?,
            Stmt::Var(x, _, _) => {
                let (ident, value, _) = &**x;
                let value = self.expr(value)?;
                let slot = self.slots;
                self.slots += 1;
                self.scope.push((ident.name.to_string(), slot));
                Box::new(move |f| {
                    let v = value(f)?;
                    f.locals[slot] = v;
                    Ok(Val::Unit)
                })
            }
            Stmt::Assignment(x) => {
                let (op, target) = &**x;
                let Expr::Variable(var, _, pos) = &target.lhs else {
                    return Err(Unsupported::at(
                        "assignment to a property or element",
                        op.position(),
                    ));
                };
                if !var.2.is_empty() {
                    return Err(Unsupported::at("assignment to a global", *pos));
                }
                let slot = self.slot(&var.1, *pos)?;
                let value = self.expr(&target.rhs)?;
                let arith = match op.get_op_assignment_info() {
                    None => None,
                    Some((.., op_syntax)) => Some(arith_of(op_syntax).ok_or_else(|| {
                        Unsupported::at(format!("the `{op_syntax}=` operator"), op.position())
                    })?),
                };
                match arith {
                    None => Box::new(move |f| {
                        let v = value(f)?;
                        f.locals[slot] = v;
                        Ok(Val::Unit)
                    }),
                    Some(arith) => Box::new(move |f| {
                        let v = value(f)?;
                        let now = value::arith(arith, &f.locals[slot], &v, f.max_string)
                            .ok_or(Stop::Fallback)?;
                        let now = f.checked(now)?;
                        f.locals[slot] = now;
                        Ok(Val::Unit)
                    }),
                }
            }
            Stmt::If(x, _) => {
                let cond = self.test(&x.expr)?;
                let then = self.block(x.body.statements())?;
                let other = self.block(x.branch.statements())?;
                Box::new(move |f| if cond(f)? { then(f) } else { other(f) })
            }
            Stmt::For(x, pos) => self.for_loop(x, *pos)?,
            Stmt::BreakLoop(value, flags, pos) => {
                if value.is_some() {
                    return Err(Unsupported::at("`break` with a value", *pos));
                }
                if flags.intersects(ASTFlags::BREAK) {
                    Box::new(|_| Err(Stop::Break))
                } else {
                    Box::new(|_| Err(Stop::Continue))
                }
            }
            Stmt::Return(value, flags, pos) => {
                if flags.intersects(ASTFlags::BREAK) {
                    return Err(Unsupported::at("`throw`", *pos));
                }
                match value {
                    None => Box::new(|_| Err(Stop::Return(Val::Unit))),
                    Some(e) => {
                        let value = self.expr(e)?;
                        Box::new(move |f| Err(Stop::Return(value(f)?)))
                    }
                }
            }
            Stmt::While(_, pos) | Stmt::Do(_, _, pos) => {
                return Err(Unsupported::at("a `while`/`loop`/`do` loop", *pos))
            }
            Stmt::Switch(_, pos) => return Err(Unsupported::at("`switch`", *pos)),
            Stmt::TryCatch(_, pos) => return Err(Unsupported::at("`try`/`catch`", *pos)),
            other => return Err(Unsupported::at("this statement", other.position())),
        })
    }

    /// `for x in list { ... }` and `for (x, i) in list { ... }` over an array.
    fn for_loop(
        &mut self,
        x: &(rhai::Ident, Option<rhai::Ident>, rhai::FlowControl),
        _pos: Position,
    ) -> Out<Node> {
        let (var, counter, flow) = x;
        let list = self.expr(&flow.expr)?;
        let mark = self.scope.len();
        let var_slot = self.slots;
        self.slots += 1;
        self.scope.push((var.name.to_string(), var_slot));
        let counter_slot = counter.as_ref().map(|c| {
            let slot = self.slots;
            self.slots += 1;
            self.scope.push((c.name.to_string(), slot));
            slot
        });
        let before = self.nodes;
        let body = self.block(flow.body.statements())?;
        let cost = (self.nodes - before + 2) * OPS_PER_NODE;
        self.scope.truncate(mark);
        Ok(Box::new(move |f| {
            let list = list(f)?;
            let n = list.len().ok_or(Stop::Fallback)?;
            for i in 0..n {
                f.ops += cost;
                if f.ops > f.max_ops {
                    return Err(Stop::Fallback);
                }
                f.locals[var_slot] = list.element(i).ok_or(Stop::Fallback)?;
                if let Some(slot) = counter_slot {
                    f.locals[slot] = Val::Int(i64::try_from(i).map_err(|_| Stop::Fallback)?);
                }
                match body(f) {
                    Ok(_) | Err(Stop::Continue) => {}
                    Err(Stop::Break) => break,
                    Err(other) => return Err(other),
                }
            }
            Ok(Val::Unit)
        }))
    }

    fn slot(&self, name: &str, pos: Position) -> Out<usize> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, slot)| *slot)
            .ok_or_else(|| Unsupported::at(format!("the variable `{name}`"), pos))
    }

    pub(super) fn expr(&mut self, expr: &Expr) -> Out<Node> {
        self.nodes += 1;
        Ok(match expr {
            Expr::Unit(_) => self.constant(Const::Unit),
            Expr::BoolConstant(b, _) => self.constant(Const::Bool(*b)),
            Expr::IntegerConstant(n, _) => self.constant(Const::Int(*n)),
            Expr::FloatConstant(x, _) => self.constant(Const::Float(**x)),
            Expr::StringConstant(s, _) => self.constant(Const::Str(s.as_str().into())),
            Expr::DynamicConstant(d, pos) => {
                let c = Const::of(d).ok_or_else(|| Unsupported::at("this constant", *pos))?;
                self.constant(c)
            }
            Expr::CharConstant(_, pos) => return Err(Unsupported::at("a character literal", *pos)),
            Expr::InterpolatedString(parts, _) => {
                let parts: Vec<Node> = parts.iter().map(|p| self.expr(p)).collect::<Out<_>>()?;
                Box::new(move |f| {
                    let mut out = String::new();
                    for part in &parts {
                        let v = part(f)?;
                        out.push_str(&value::text(&v).ok_or(Stop::Fallback)?);
                    }
                    f.checked(Val::Owned(out.into()))
                })
            }
            Expr::Array(items, _) => {
                let items: Vec<Node> = items.iter().map(|i| self.expr(i)).collect::<Out<_>>()?;
                Box::new(move |f| {
                    if items.len() > f.max_array {
                        return Err(Stop::Fallback);
                    }
                    let mut out = Vec::with_capacity(items.len());
                    for item in &items {
                        out.push(item(f)?);
                    }
                    f.checked(Val::List(Rc::new(out)))
                })
            }
            Expr::Map(x, _) => {
                let mut entries = Vec::with_capacity(x.0.len());
                for (ident, value) in &x.0 {
                    let key = self.name(&ident.name);
                    entries.push((key, self.expr(value)?));
                }
                Box::new(move |f| {
                    if entries.len() > f.max_map {
                        return Err(Stop::Fallback);
                    }
                    let mut out = Vec::with_capacity(entries.len());
                    for (key, value) in &entries {
                        let key = match &f.pool[*key] {
                            Const::Str(k) => &**k,
                            _ => return Err(Stop::Fallback),
                        };
                        out.push((key, value(f)?));
                    }
                    f.checked(Val::Map(Rc::new(out)))
                })
            }
            Expr::Variable(var, _, pos) => {
                let (_, name, namespace, _) = &**var;
                if namespace.is_empty() {
                    let slot = self.slot(name, *pos)?;
                    Box::new(move |f| Ok(f.locals[slot].clone()))
                } else if namespace.root() == "global" {
                    let c = self.global(name, *pos)?;
                    self.constant(c)
                } else {
                    return Err(Unsupported::at("a module variable", *pos));
                }
            }
            Expr::Dot(..) => match self.read_of(expr) {
                // `node.group`, `node.missing.high`: one step, the chain when it cannot.
                Some(read) => {
                    let general = self.chain(expr)?;
                    Box::new(move |f| match read.value(f) {
                        Some(v) => Ok(v),
                        None => general(f),
                    })
                }
                None => self.chain(expr)?,
            },
            Expr::Index(..) => self.chain(expr)?,
            Expr::And(items, _) | Expr::Or(items, _) => {
                let and = matches!(expr, Expr::And(..));
                let items: Vec<Node> = items.iter().map(|i| self.expr(i)).collect::<Out<_>>()?;
                Box::new(move |f| {
                    for item in &items {
                        match item(f)? {
                            Val::Bool(b) if b != and => return Ok(Val::Bool(b)),
                            Val::Bool(_) => {}
                            _ => return Err(Stop::Fallback),
                        }
                    }
                    Ok(Val::Bool(and))
                })
            }
            Expr::Coalesce(items, _) => {
                let items: Vec<Node> = items.iter().map(|i| self.expr(i)).collect::<Out<_>>()?;
                Box::new(move |f| {
                    let mut last = Val::Unit;
                    for item in &items {
                        last = item(f)?;
                        if !last.is_unit() {
                            break;
                        }
                    }
                    Ok(last)
                })
            }
            Expr::Stmt(block) => self.block(block.statements())?,
            Expr::FnCall(call, pos) => self.call(call, *pos)?,
            other => return Err(Unsupported::at("this expression", other.start_position())),
        })
    }

    /// A condition. The shapes policies test most (a field against a constant, a field in
    /// a constant list, `&&`, `||`, `!`) compare without making values; anything else is
    /// an expression whose value must be a boolean.
    fn test(&mut self, expr: &Expr) -> Out<Test> {
        match expr {
            Expr::And(items, _) | Expr::Or(items, _) => {
                self.nodes += 1;
                let and = matches!(expr, Expr::And(..));
                let items: Vec<Test> = items.iter().map(|i| self.test(i)).collect::<Out<_>>()?;
                return Ok(Box::new(move |f| {
                    for item in &items {
                        if item(f)? != and {
                            return Ok(!and);
                        }
                    }
                    Ok(and)
                }));
            }
            Expr::FnCall(call, _) if call.namespace.is_empty() => {
                if let Some(test) = self.fast_test(call)? {
                    self.nodes += 1 + call.args.len() as u64 * 2;
                    return Ok(test);
                }
            }
            _ => {}
        }
        let value = self.expr(expr)?;
        Ok(Box::new(move |f| match value(f)? {
            Val::Bool(b) => Ok(b),
            _ => Err(Stop::Fallback),
        }))
    }

    /// `!test`, `read OP constant` and `read in constant`, when the call is one of them.
    fn fast_test(&mut self, call: &FnCallExpr) -> Out<Option<Test>> {
        let name = call.name.as_str();
        match (name, call.args.as_slice()) {
            ("!", [inner]) => {
                let inner = self.test(inner)?;
                Ok(Some(Box::new(move |f| inner(f).map(|b| !b))))
            }
            ("==" | "!=" | "<" | "<=" | ">" | ">=", [lhs, rhs]) => {
                let Some(read) = self.read_of(lhs) else {
                    return Ok(None);
                };
                let general = self.general_test(call)?;
                let holds: Option<fn(std::cmp::Ordering) -> bool> = match name {
                    "<" => Some(std::cmp::Ordering::is_lt),
                    "<=" => Some(std::cmp::Ordering::is_le),
                    ">" => Some(std::cmp::Ordering::is_gt),
                    ">=" => Some(std::cmp::Ordering::is_ge),
                    _ => None,
                };
                let want = name == "==";
                if matches!(
                    rhs,
                    Expr::StringConstant(..) | Expr::IntegerConstant(..) | Expr::Unit(..)
                ) {
                    let _counted = self.expr(rhs)?; // its cost counted like any operand
                    return Ok(Some(literal_test(read, rhs, holds, want, general)));
                }
                let other = self.expr(rhs)?;
                Ok(Some(Box::new(move |f| {
                    let Some(v) = read.value(f) else {
                        return general(f);
                    };
                    let k = other(f)?;
                    let answer = match holds {
                        Some(holds) => value::compare(&v, &k, holds),
                        None => value::equal(&v, &k).map(|eq| eq == want),
                    };
                    answer.ok_or(Stop::Fallback)
                })))
            }
            // `read in container` is `contains(container, read)`.
            ("contains", [container, item]) => {
                let Some(read) = self.read_of(item) else {
                    return Ok(None);
                };
                let container = self.expr(container)?;
                let general = self.general_test(call)?;
                Ok(Some(Box::new(move |f| {
                    // Rhai evaluates the container first.
                    let c = container(f)?;
                    let Some(v) = read.value(f) else {
                        return general(f);
                    };
                    value::contains(&c, &v).ok_or(Stop::Fallback)
                })))
            }
            _ => Ok(None),
        }
    }

    /// The call as a general expression, for the fast tests to fall back on.
    fn general_test(&mut self, call: &FnCallExpr) -> Out<Test> {
        let value = self.call(call, Position::NONE)?;
        Ok(Box::new(move |f| match value(f)? {
            Val::Bool(b) => Ok(b),
            _ => Err(Stop::Fallback),
        }))
    }

    /// `local.field` or `local.field.count`, as a [`Read`].
    fn read_of(&self, expr: &Expr) -> Option<Read> {
        let Expr::Dot(x, flags, _) = expr else {
            return None;
        };
        if flags.intersects(ASTFlags::NEGATED) {
            return None;
        }
        let Expr::Variable(var, _, pos) = &x.lhs else {
            return None;
        };
        if !var.2.is_empty() {
            return None;
        }
        let slot = self.slot(&var.1, *pos).ok()?;
        let (name, count) = match &x.rhs {
            Expr::Property(p, _) => (p.2.as_str(), None),
            Expr::Dot(inner, inner_flags, _)
                if !inner_flags.intersects(ASTFlags::NEGATED | ASTFlags::BREAK) =>
            {
                let (Expr::Property(p, _), Expr::Property(c, _)) = (&inner.lhs, &inner.rhs) else {
                    return None;
                };
                let count = Severities::FIELDS.iter().position(|f| *f == c.2.as_str())?;
                (p.2.as_str(), Some(count))
            }
            _ => return None,
        };
        if matches!(name, "raw" | "results" | "tags" | "columns" | "headers") {
            return None;
        }
        Some(Read {
            slot,
            name: name.into(),
            field: FieldId::parse(name),
            count,
        })
    }

    /// `global::NAME`: `NOW`, `PARAMS`, or one of the policy's literal constants.
    fn global(&self, name: &str, pos: Position) -> Out<Const> {
        let unsupported = || Unsupported::at(format!("global::{name}"), pos);
        match name {
            "NOW" => Ok(Const::Int(self.env.now)),
            "PARAMS" => {
                Const::of(&rhai::Dynamic::from_map(self.env.params.clone())).ok_or_else(unsupported)
            }
            _ => self
                .env
                .constants
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| Const::of(v))
                .ok_or_else(unsupported),
        }
    }

    /// A chain of `.property`, `.method()` and `[index]` steps.
    fn chain(&mut self, expr: &Expr) -> Out<Node> {
        let (Expr::Dot(x, ..) | Expr::Index(x, ..)) = expr else {
            return self.expr(expr);
        };
        let root = self.expr(&x.lhs)?;
        self.rest(expr, &x.rhs, root)
    }

    /// The rest of a chain after `parent`'s operator: Rhai nests chains to the right, and a
    /// `BREAK` flag ends one (the right side is then a whole index expression).
    fn rest(&mut self, parent: &Expr, rhs: &Expr, base: Node) -> Out<Node> {
        let dotting = matches!(parent, Expr::Dot(..));
        let elvis = parent.options().intersects(ASTFlags::NEGATED);
        match rhs {
            Expr::Dot(x, ..) | Expr::Index(x, ..)
                if !parent.options().intersects(ASTFlags::BREAK) =>
            {
                let next = self.step(dotting, elvis, &x.lhs, base)?;
                self.rest(rhs, &x.rhs, next)
            }
            _ => self.step(dotting, elvis, rhs, base),
        }
    }

    /// One step of a chain, taken on what `base` computes.
    fn step(&mut self, dotting: bool, elvis: bool, link: &Expr, base: Node) -> Out<Node> {
        self.nodes += 1;
        let step: Node = if dotting {
            match link {
                Expr::Property(p, pos) => self.property(&p.2, *pos, base)?,
                Expr::MethodCall(call, pos) => self.method(call, *pos, base)?,
                other => return Err(Unsupported::at("this chain", other.start_position())),
            }
        } else {
            let key = self.expr(link)?;
            Box::new(move |f| {
                let b = base(f)?;
                let k = key(f)?;
                let v = index(b, &k).ok_or(Stop::Fallback)?;
                f.checked(v)
            })
        };
        if !elvis {
            return Ok(step);
        }
        Err(Unsupported::at("`?.` and `?[`", link.start_position()))
    }

    fn property(&mut self, name: &str, pos: Position, base: Node) -> Out<Node> {
        // What only the interpreter turns into a value: vendor JSON, tag and column maps.
        if matches!(name, "raw" | "results" | "tags" | "columns" | "headers") {
            return Err(Unsupported::at(format!("`.{name}`"), pos));
        }
        let field = FieldId::parse(name);
        let count = Severities::FIELDS.iter().position(|f| *f == name);
        let key = self.name(name);
        Ok(Box::new(move |f| {
            let b = base(f)?;
            let name = match &f.pool[key] {
                Const::Str(k) => &**k,
                _ => return Err(Stop::Fallback),
            };
            let v = property(b, name, field, count).ok_or(Stop::Fallback)?;
            f.checked(v)
        }))
    }

    fn method(&mut self, call: &FnCallExpr, pos: Position, base: Node) -> Out<Node> {
        let args: Vec<Node> = call.args.iter().map(|a| self.expr(a)).collect::<Out<_>>()?;
        let name = call.name.as_str();
        let method = match (name, args.len()) {
            ("len", 0) => Method::Len,
            ("is_empty", 0) => Method::IsEmpty,
            ("contains", 1) => Method::Contains,
            ("starts_with", 1) => Method::StartsWith,
            ("ends_with", 1) => Method::EndsWith,
            ("to_upper", 0) => Method::Upper,
            ("to_lower", 0) => Method::Lower,
            _ => return Err(Unsupported::at(format!("the method `{name}`"), pos)),
        };
        Ok(Box::new(move |f| {
            let b = base(f)?;
            let arg = match args.first() {
                Some(a) => Some(a(f)?),
                None => None,
            };
            method
                .call(&b, arg.as_ref(), f.max_string)
                .ok_or(Stop::Fallback)
        }))
    }

    fn call(&mut self, call: &FnCallExpr, pos: Position) -> Out<Node> {
        if !call.namespace.is_empty() {
            return Err(Unsupported::at(
                format!("the function `{}`", call.name),
                pos,
            ));
        }
        let name = call.name.as_str();
        match name {
            "param" => return self.param(call, pos),
            "deny" | "warn" => return self.finding(call, name),
            _ => {}
        }
        let mut args: Vec<Node> = call.args.iter().map(|a| self.expr(a)).collect::<Out<_>>()?;
        let unsupported = || Unsupported::at(format!("the function `{name}`"), pos);
        if args.len() == 1 {
            let a = args.remove(0);
            return Ok(match name {
                "!" => Box::new(move |f| match a(f)? {
                    Val::Bool(b) => Ok(Val::Bool(!b)),
                    _ => Err(Stop::Fallback),
                }),
                "-" => Box::new(move |f| value::negate(&a(f)?).ok_or(Stop::Fallback)),
                // `param` and `deny`/`warn` are handled above; any other one-argument call
                // is not compiled.
                _ => return Err(unsupported()),
            });
        }
        if args.len() != 2 {
            return Err(unsupported());
        }
        let b = args.remove(1);
        let a = args.remove(0);
        Ok(match name {
            "==" | "!=" => {
                let want = name == "==";
                Box::new(move |f| {
                    let (x, y) = (a(f)?, b(f)?);
                    let eq = value::equal(&x, &y).ok_or(Stop::Fallback)?;
                    Ok(Val::Bool(eq == want))
                })
            }
            "<" | "<=" | ">" | ">=" => {
                let test: fn(std::cmp::Ordering) -> bool = match name {
                    "<" => std::cmp::Ordering::is_lt,
                    "<=" => std::cmp::Ordering::is_le,
                    ">" => std::cmp::Ordering::is_gt,
                    _ => std::cmp::Ordering::is_ge,
                };
                Box::new(move |f| {
                    let (x, y) = (a(f)?, b(f)?);
                    let holds = value::compare(&x, &y, test).ok_or(Stop::Fallback)?;
                    Ok(Val::Bool(holds))
                })
            }
            "+" | "-" | "*" | "/" | "%" => {
                let op = arith_of(name).ok_or_else(unsupported)?;
                Box::new(move |f| {
                    let (x, y) = (a(f)?, b(f)?);
                    let v = value::arith(op, &x, &y, f.max_string).ok_or(Stop::Fallback)?;
                    f.checked(v)
                })
            }
            // `item in container` is `contains(container, item)`.
            "contains" => Box::new(move |f| {
                let (container, item) = (a(f)?, b(f)?);
                value::contains(&container, &item)
                    .map(Val::Bool)
                    .ok_or(Stop::Fallback)
            }),
            _ => return Err(unsupported()),
        })
    }

    /// `param("name")` and `param("name", default)`: a constant of this run.
    fn param(&mut self, call: &FnCallExpr, pos: Position) -> Out<Node> {
        let unsupported = |what: &str| Unsupported::at(what, pos);
        let Some(Expr::StringConstant(name, _)) = call.args.first() else {
            return Err(unsupported("`param` with a computed name"));
        };
        let value = match (self.env.params.get(name.as_str()), call.args.get(1)) {
            (Some(v), _) if call.args.len() <= 2 => {
                Const::of(v).ok_or_else(|| unsupported("a param of this type"))?
            }
            (None, Some(default)) if call.args.len() == 2 => {
                constant(default).ok_or_else(|| unsupported("`param` with a computed default"))?
            }
            // Not set and no default: the interpreter raises the error that says so.
            _ => return Ok(Box::new(|_| Err(Stop::Fallback))),
        };
        // Rhai weighs what `param` returns, as any call's result.
        let value = self.constant(value);
        Ok(Box::new(move |f| {
            let v = value(f)?;
            f.checked(v)
        }))
    }

    /// `deny(message)`, `deny(message, #{...})` and the same for `warn`: the finding map
    /// the engine's own function makes, so keys are checked as the interpreter checks them.
    fn finding(&mut self, call: &FnCallExpr, action: &str) -> Out<Node> {
        let args: Vec<Node> = call.args.iter().map(|a| self.expr(a)).collect::<Out<_>>()?;
        let action: &'static str = if action == "deny" { "deny" } else { "warn" };
        Ok(Box::new(move |f| {
            let (message, options) = match args.as_slice() {
                [m] => (m(f)?, None),
                [m, o] => (m(f)?, Some(o(f)?)),
                _ => return Err(Stop::Fallback),
            };
            let message = message.as_str().ok_or(Stop::Fallback)?;
            let options = match options {
                None => rhai::Map::new(),
                Some(o @ (Val::Map(_) | Val::Const(Const::Map(_)))) => o
                    .to_dynamic()
                    .try_cast::<rhai::Map>()
                    .ok_or(Stop::Fallback)?,
                Some(_) => return Err(Stop::Fallback),
            };
            let map = super::super::engine::finding(action, message.into(), options)
                .map_err(|_| Stop::Fallback)?;
            f.checked(Val::Dyn(Rc::new(rhai::Dynamic::from_map(map))))
        }))
    }
}

/// The constant a literal expression is, if it is one.
fn constant(expr: &Expr) -> Option<Const> {
    match expr {
        Expr::Unit(_) => Some(Const::Unit),
        Expr::BoolConstant(b, _) => Some(Const::Bool(*b)),
        Expr::IntegerConstant(n, _) => Some(Const::Int(*n)),
        Expr::FloatConstant(x, _) => Some(Const::Float(**x)),
        Expr::StringConstant(s, _) => Some(Const::Str(s.as_str().into())),
        Expr::DynamicConstant(d, _) => Const::of(d),
        Expr::Array(items, _) => items
            .iter()
            .map(constant)
            .collect::<Option<_>>()
            .map(Const::Array),
        _ => None,
    }
}

fn arith_of(op: &str) -> Option<Arith> {
    Some(match op {
        "+" => Arith::Add,
        "-" => Arith::Sub,
        "*" => Arith::Mul,
        "/" => Arith::Div,
        "%" => Arith::Rem,
        _ => return None,
    })
}

/// `base.name`.
fn property<'a>(
    base: Val<'a>,
    name: &str,
    field: Option<FieldId>,
    count: Option<usize>,
) -> Option<Val<'a>> {
    match base {
        Val::Resource(r) => {
            let value = match field {
                Some(id) => r.get(id).or_else(|| r.column(name)),
                None => r.column(name),
            };
            value.map(Val::of_field)
        }
        Val::Counts(c) => count.map(|i| c.at(i).map_or(Val::Unit, Val::Int)),
        Val::Report(report) => Some(match name {
            "kind" => Val::Str(report.kind.id()),
            "resource_kind" => Val::Str(report.kind.resource_kind().as_str()),
            "provider" => report.kind.provider_name().map_or(Val::Unit, Val::Str),
            "name" => Val::Owned(report.origin.to_string().into()),
            "count" => Val::Int(match report.declared {
                Some(n) => i64::try_from(n).unwrap_or(i64::MAX),
                None => i64::try_from(report.resources.len()).unwrap_or(i64::MAX),
            }),
            "fetched_at" => report.fetched_at.map_or(Val::Unit, Val::Int),
            "resources" => Val::Resources(&report.resources),
            _ => return None,
        }),
        Val::Const(Const::Map(_)) | Val::Map(_) => value::map_get(&base, name),
        _ => None,
    }
}

/// `base[key]`.
fn index<'a>(base: Val<'a>, key: &Val<'a>) -> Option<Val<'a>> {
    match (&base, key) {
        (Val::Resource(_) | Val::Counts(_) | Val::Report(_), _) => {
            let name = key.as_str()?;
            let count = Severities::FIELDS.iter().position(|f| *f == name);
            property(base.clone(), name, FieldId::parse(name), count)
        }
        (Val::Const(Const::Map(_)) | Val::Map(_), _) => value::map_get(&base, key.as_str()?),
        (_, Val::Int(i)) => base.element(usize::try_from(*i).ok()?),
        _ => None,
    }
}

/// The methods compiled policies call.
#[derive(Clone, Copy)]
enum Method {
    Len,
    IsEmpty,
    Contains,
    StartsWith,
    EndsWith,
    Upper,
    Lower,
}

impl Method {
    fn call<'a>(self, base: &Val<'a>, arg: Option<&Val<'a>>, max_string: usize) -> Option<Val<'a>> {
        let count = |n: usize| i64::try_from(n).ok().map(Val::Int);
        match self {
            Method::Len => match base.as_str() {
                Some(s) => count(s.chars().count()),
                None => count(base.len()?),
            },
            Method::IsEmpty => match base.as_str() {
                Some(s) => Some(Val::Bool(s.is_empty())),
                None => Some(Val::Bool(base.len()? == 0)),
            },
            Method::Contains => value::contains(base, arg?).map(Val::Bool),
            Method::StartsWith => Some(Val::Bool(base.as_str()?.starts_with(arg?.as_str()?))),
            Method::EndsWith => Some(Val::Bool(base.as_str()?.ends_with(arg?.as_str()?))),
            Method::Upper | Method::Lower => {
                let s = base.as_str()?;
                let out = if matches!(self, Method::Upper) {
                    s.to_uppercase()
                } else {
                    s.to_lowercase()
                };
                (out.len() <= max_string).then(|| Val::Owned(out.into()))
            }
        }
    }
}

/// `read OP literal`, the commonest condition of all (`node.group == "prod"`,
/// `node.missing.critical > 0`): the literal is held in the closure and compared without
/// making a value of it. Anything but a string or an integer on the left takes the general
/// comparison, and a read Rhai would not answer takes `general` (which is all there is
/// when `rhs` is not a string or integer literal).
fn literal_test(
    read: Read,
    rhs: &Expr,
    holds: Option<fn(std::cmp::Ordering) -> bool>,
    want: bool,
    general: Test,
) -> Test {
    match rhs {
        Expr::StringConstant(k, _) => {
            let k: Box<str> = k.as_str().into();
            Box::new(move |f| {
                if let (Some(s), None) = (read.str_value(f), holds) {
                    return Ok((s == &*k) == want);
                }
                let Some(v) = read.value(f) else {
                    return general(f);
                };
                let answer = match (&v, holds) {
                    (Val::Str(s), None) => Some((*s == &*k) == want),
                    (_, Some(holds)) => value::compare(&v, &Val::Str(&k), holds),
                    (_, None) => value::equal(&v, &Val::Str(&k)).map(|eq| eq == want),
                };
                answer.ok_or(Stop::Fallback)
            })
        }
        Expr::IntegerConstant(k, _) => {
            let k = *k;
            Box::new(move |f| {
                if let Some(n) = read.int_value(f) {
                    return Ok(match holds {
                        Some(holds) => holds(n.cmp(&k)),
                        None => (n == k) == want,
                    });
                }
                let Some(v) = read.value(f) else {
                    return general(f);
                };
                let answer = match (&v, holds) {
                    (Val::Int(n), Some(holds)) => Some(holds(n.cmp(&k))),
                    (Val::Int(n), None) => Some((*n == k) == want),
                    (_, Some(holds)) => value::compare(&v, &Val::Int(k), holds),
                    (_, None) => value::equal(&v, &Val::Int(k)).map(|eq| eq == want),
                };
                answer.ok_or(Stop::Fallback)
            })
        }
        // `read == ()`: a string or number that is there is not `()`.
        Expr::Unit(_) => Box::new(move |f| {
            if holds.is_none() && (read.str_value(f).is_some() || read.int_value(f).is_some()) {
                return Ok(!want);
            }
            let Some(v) = read.value(f) else {
                return general(f);
            };
            let answer = match holds {
                Some(holds) => value::compare(&v, &Val::Unit, holds),
                None => value::equal(&v, &Val::Unit).map(|eq| eq == want),
            };
            answer.ok_or(Stop::Fallback)
        }),
        _ => general,
    }
}
