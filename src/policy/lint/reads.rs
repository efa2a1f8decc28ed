//! The walk over one function of a policy that follows what each variable holds, as a tiny
//! abstract type ([`Ty`]): the resource `check` is given, the report `check_report` is
//! given, `report.resources` and its items, patch counts, or something else. Every
//! property read and string-literal index read on such a value is checked against its
//! fields, whether or not the branch it is in would ever run.
//!
//! The walk is conservative: where two paths meet (the arms of an `if`, a loop's first and
//! later rounds) a variable keeps its type only if both paths agree on it, and a value it
//! loses track of becomes [`Ty::Unknown`], whose reads are not checked. So a read is
//! reported only when it would fail on any resource it can run on.

use rhai::{ASTFlags, BinaryExpr, Expr, FnCallExpr, ImmutableString, OpAssignment, Position, Stmt};

use super::{calls, Code, Context, Deferred, Problem, Why};
use crate::model::resource::{ResourceKind, Severities};
use crate::model::{ReportKind, Rule};
use crate::policy::engine::{unknown_field, REPORT_FIELDS};

/// A set of resource kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Kinds(u8);

impl Kinds {
    fn bit(kind: ResourceKind) -> u8 {
        let at = ResourceKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_default();
        1 << at
    }

    fn of(kinds: impl IntoIterator<Item = ResourceKind>) -> Self {
        Kinds(kinds.into_iter().fold(0, |set, k| set | Self::bit(k)))
    }

    fn iter(self) -> impl Iterator<Item = ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .filter(move |k| self.0 & Self::bit(*k) != 0)
    }

    fn union(self, other: Self) -> Self {
        Kinds(self.0 | other.0)
    }
}

/// What a value is, as far as the walk can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ty {
    /// Anything else: its reads are not checked.
    Unknown,
    /// A resource of one of these kinds.
    Resource(Kinds),
    /// An array of resources of these kinds (`report.resources`).
    Resources(Kinds),
    /// Patch counts (`node.missing`, `node.compliant`).
    Counts,
    /// The report `check_report` is given; its resources are of these kinds.
    Report(Kinds),
    /// A plain map read from a resource or report (`raw`, `tags`, ...): its keys are the
    /// report's, so reads through it are left to run time.
    Plain(&'static str),
}

impl Ty {
    /// The parameter of `check`: a resource of a kind the rule applies to.
    pub(super) fn resource(rule: &Rule) -> Ty {
        Ty::Resource(Kinds::of(
            ResourceKind::ALL
                .into_iter()
                .filter(|k| rule.applies_to(*k)),
        ))
    }

    /// The parameter of `check_report`: a report that holds a kind the rule applies to.
    /// It holds every resource of that report, also of kinds the rule does not name (a
    /// compliance-pack report's rows beside the pack).
    pub(super) fn report(rule: &Rule) -> Ty {
        let kinds = ReportKind::ALL
            .into_iter()
            .filter(|k| rule.reads(*k))
            .fold(Kinds(0), |set, k| {
                set.union(Kinds::of(k.resource_kinds().iter().copied()))
            });
        Ty::Report(kinds)
    }

    /// A value whose reads the walk checks, or that it can lose track of.
    fn is_tracked(&self) -> bool {
        matches!(
            self,
            Ty::Resource(_) | Ty::Resources(_) | Ty::Counts | Ty::Report(_)
        )
    }

    /// The type of a value that may come from either path.
    fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Resource(a), Ty::Resource(b)) => Ty::Resource(a.union(*b)),
            (Ty::Resources(a), Ty::Resources(b)) => Ty::Resources(a.union(*b)),
            (Ty::Report(a), Ty::Report(b)) => Ty::Report(a.union(*b)),
            (a, b) if a == b => a.clone(),
            _ => Ty::Unknown,
        }
    }
}

/// A value and how it was reached, as written (`node.missing`), for the list of reads left
/// to run time.
#[derive(Debug, Clone)]
struct Value {
    ty: Ty,
    path: String,
}

impl Value {
    fn unknown() -> Value {
        Value::of(Ty::Unknown)
    }

    fn of(ty: Ty) -> Value {
        Value {
            ty,
            path: String::new(),
        }
    }
}

/// What the walks of a policy's functions found.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub(super) checked: usize,
    pub(super) deferred: Vec<Deferred>,
    pub(super) problems: Vec<Problem>,
}

/// Built-ins that may be handed a resource, report or counts without losing track of
/// anything: they read no field and return none of it. Operators are too.
const HARMLESS: &[&str] = &[
    "contains",
    "type_of",
    "to_string",
    "to_debug",
    "print",
    "debug",
    "len",
    "is_empty",
    "deny",
    "warn",
];

/// How many rounds a loop is walked to find what its variables may hold; each round can
/// only widen a type, and [`Ty`] is so flat that two or three rounds settle it.
const MAX_ROUNDS: usize = 8;

/// The walk over one function.
pub(super) struct Walker<'a> {
    cx: &'a Context<'a>,
    found: &'a mut Found,
    /// Variables in scope, innermost last.
    scope: Vec<(ImmutableString, Ty)>,
    /// Above 0 while a loop body is walked only to find what its variables may hold:
    /// nothing is reported then.
    quiet: usize,
}

impl<'a> Walker<'a> {
    pub(super) fn new(cx: &'a Context<'a>, found: &'a mut Found) -> Self {
        Walker {
            cx,
            found,
            scope: Vec::new(),
            quiet: 0,
        }
    }

    /// Walk a function body with its parameters bound to these types.
    pub(super) fn function(&mut self, params: &[(&str, Ty)], body: &[Stmt]) {
        self.scope = params
            .iter()
            .map(|(name, ty)| ((*name).into(), ty.clone()))
            .collect();
        self.block(body);
    }

    fn reporting(&self) -> bool {
        self.quiet == 0
    }

    fn problem(&mut self, problem: Problem) {
        if self.reporting() {
            self.found.problems.push(problem);
        }
    }

    fn defer(&mut self, pos: Position, read: &str, why: Why) {
        if let (true, Some(line)) = (self.reporting(), pos.line()) {
            self.found.deferred.push(Deferred {
                line,
                column: pos.position().unwrap_or(1),
                read: read.to_string(),
                why,
            });
        }
    }

    fn lookup(&self, name: &str) -> Ty {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(Ty::Unknown, |(_, ty)| ty.clone())
    }

    fn set(&mut self, name: &str, ty: Ty) {
        if let Some((_, slot)) = self.scope.iter_mut().rev().find(|(n, _)| n == name) {
            *slot = ty;
        }
    }

    /// Walk statements in a scope of their own; the type of the last one is the block's
    /// value.
    fn block(&mut self, stmts: &[Stmt]) -> Ty {
        let mark = self.scope.len();
        let mut last = Ty::Unknown;
        for stmt in stmts {
            last = self.stmt(stmt);
        }
        self.scope.truncate(mark);
        last
    }

    fn stmt(&mut self, stmt: &Stmt) -> Ty {
        match stmt {
            Stmt::Var(x, ..) => {
                let (ident, value, _) = &**x;
                let value = self.expr(value);
                self.scope.push((ident.name.clone(), value.ty));
                Ty::Unknown
            }
            Stmt::If(x, ..) => {
                self.expr(&x.expr);
                let arms = [x.body.statements(), x.branch.statements()];
                self.fork(&arms, |w, stmts| w.block(stmts))
            }
            Stmt::Switch(x, ..) => {
                let (value, cases) = &**x;
                self.expr(value);
                // Each case (its condition, then its value); without a default case, also
                // the path where none matches.
                let mut arms: Vec<Option<&BinaryExpr>> =
                    cases.expressions.iter().map(Some).collect();
                if cases.def_case.is_none() {
                    arms.push(None);
                }
                self.fork(&arms, |w, case| match case {
                    Some(case) => {
                        w.expr(&case.lhs);
                        w.expr(&case.rhs).ty
                    }
                    None => Ty::Unknown,
                })
            }
            Stmt::While(x, ..) | Stmt::Do(x, ..) => {
                self.looped(&mut |w: &mut Self| {
                    w.expr(&x.expr);
                    w.block(x.body.statements());
                });
                Ty::Unknown
            }
            Stmt::For(x, ..) => {
                let (var, counter, flow) = &**x;
                let item = match self.expr(&flow.expr).ty {
                    Ty::Resources(kinds) => Ty::Resource(kinds),
                    _ => Ty::Unknown,
                };
                self.looped(&mut |w: &mut Self| {
                    let mark = w.scope.len();
                    w.scope.push((var.name.clone(), item.clone()));
                    if let Some(counter) = counter {
                        w.scope.push((counter.name.clone(), Ty::Unknown));
                    }
                    w.block(flow.body.statements());
                    w.scope.truncate(mark);
                });
                Ty::Unknown
            }
            Stmt::Assignment(x) => {
                let (op, binary) = &**x;
                let value = self.expr(&binary.rhs);
                self.assign(op, &binary.lhs, value);
                Ty::Unknown
            }
            Stmt::FnCall(call, pos) => {
                self.call(call, *pos);
                Ty::Unknown
            }
            Stmt::Block(block) => self.block(block.statements()),
            Stmt::TryCatch(x, ..) => {
                // The body may stop anywhere and go to the catch block, or not run it at all.
                // The catch block sees the error under the name `expr` gives, if any.
                let caught = match &x.expr {
                    Expr::Variable(v, ..) => Some(v.1.clone()),
                    _ => None,
                };
                let arms = [Some(x.body.statements()), None, Some(&[][..])];
                self.fork(&arms, |w, arm| match arm {
                    Some(stmts) => w.block(stmts),
                    None => {
                        let mark = w.scope.len();
                        if let Some(name) = &caught {
                            w.scope.push((name.clone(), Ty::Unknown));
                        }
                        w.block(x.branch.statements());
                        w.scope.truncate(mark);
                        Ty::Unknown
                    }
                });
                Ty::Unknown
            }
            Stmt::Expr(expr) => self.expr(expr).ty,
            Stmt::BreakLoop(Some(expr), ..) | Stmt::Return(Some(expr), ..) => {
                self.expr(expr);
                Ty::Unknown
            }
            _ => Ty::Unknown,
        }
    }

    /// Walk alternative paths from the same start; afterwards each variable holds what
    /// every path agrees on. The value is what the paths agree it is.
    fn fork<T>(&mut self, arms: &[T], mut walk: impl FnMut(&mut Self, &T) -> Ty) -> Ty {
        let start = self.scope.clone();
        let mut merged: Option<(Vec<(ImmutableString, Ty)>, Ty)> = None;
        for arm in arms {
            self.scope = start.clone();
            let ty = walk(self, arm);
            merged = Some(match merged {
                None => (self.scope.clone(), ty),
                Some((scope, joined)) => (join_scopes(&scope, &self.scope), joined.join(&ty)),
            });
        }
        let (scope, ty) = merged.unwrap_or((start, Ty::Unknown));
        self.scope = scope;
        ty
    }

    /// Walk a loop: first quietly, round after round, until what its variables may hold at
    /// the top of the body settles; then once more, reporting, from there.
    fn looped(&mut self, round: &mut dyn FnMut(&mut Self)) {
        let mut top = self.scope.clone();
        self.quiet += 1;
        for _ in 0..MAX_ROUNDS {
            self.scope = top.clone();
            round(self);
            let next = join_scopes(&top, &self.scope);
            if next == top {
                break;
            }
            top = next;
        }
        self.quiet -= 1;
        self.scope = top.clone();
        round(self);
        self.scope = join_scopes(&top, &self.scope);
    }

    fn assign(&mut self, op: &OpAssignment, target: &Expr, value: Value) {
        match target {
            Expr::Variable(x, ..) if x.2.is_empty() => {
                let ty = if op.is_op_assignment() {
                    Ty::Unknown
                } else {
                    value.ty
                };
                self.set(&x.1, ty);
            }
            _ => {
                self.expr(target);
                if value.ty.is_tracked() {
                    self.defer(target.start_position(), &value.path, Why::Stored);
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr) -> Value {
        match expr {
            Expr::Variable(x, ..) if x.2.is_empty() => Value {
                ty: self.lookup(&x.1),
                path: x.1.to_string(),
            },
            Expr::Dot(..) | Expr::Index(..) => self.chain(expr),
            Expr::FnCall(call, pos) => {
                self.call(call, *pos);
                Value::unknown()
            }
            Expr::Stmt(block) => Value::of(self.block(block.statements())),
            Expr::InterpolatedString(parts, ..) => {
                for part in parts.iter() {
                    self.expr(part);
                }
                Value::unknown()
            }
            Expr::Array(items, ..) => {
                for item in items.iter() {
                    let value = self.expr(item);
                    if value.ty.is_tracked() {
                        self.defer(item.start_position(), &value.path, Why::Stored);
                    }
                }
                Value::unknown()
            }
            Expr::Map(x, ..) => {
                for (key, item) in x.0.iter() {
                    let value = self.expr(item);
                    // `#{ resource: r }` is how a finding names its resource: the gate
                    // reads nothing from it but its identity.
                    if value.ty.is_tracked() && key.name != "resource" {
                        self.defer(item.start_position(), &value.path, Why::Stored);
                    }
                }
                Value::unknown()
            }
            Expr::And(x, ..) | Expr::Or(x, ..) => {
                for operand in x.iter() {
                    self.expr(operand);
                }
                Value::unknown()
            }
            Expr::Coalesce(x, ..) => {
                let mut ty: Option<Ty> = None;
                for operand in x.iter() {
                    let value = self.expr(operand);
                    ty = Some(ty.map_or(value.ty.clone(), |t| t.join(&value.ty)));
                }
                Value::of(ty.unwrap_or(Ty::Unknown))
            }
            _ => Value::unknown(),
        }
    }

    /// A call: a built-in's shape is checked, and its arguments walked.
    fn call(&mut self, call: &FnCallExpr, pos: Position) {
        if self.reporting() && call.namespace.is_empty() {
            for problem in calls::check(call, pos, self.cx) {
                self.found.problems.push(problem);
            }
        }
        self.arguments(call);
    }

    /// Walk a call's arguments; a tracked value handed to anything but a harmless
    /// built-in is noted as left to run time.
    fn arguments(&mut self, call: &FnCallExpr) {
        let args: Vec<Value> = call.args.iter().map(|a| self.expr(a)).collect();
        if harmless(call) {
            return;
        }
        for (arg, value) in call.args.iter().zip(&args) {
            if value.ty.is_tracked() {
                self.defer(
                    arg.start_position(),
                    &value.path,
                    Why::PassedTo(call.name.to_string()),
                );
            }
        }
    }

    /// A dot or index chain: `root.a.b`, `root["a"][i].b()`.
    fn chain(&mut self, expr: &Expr) -> Value {
        let (Expr::Dot(x, ..) | Expr::Index(x, ..)) = expr else {
            return self.expr(expr);
        };
        let root = self.expr(&x.lhs);
        self.rest(expr, &x.rhs, root)
    }

    /// The rest of a chain after `parent`'s operator. Rhai nests a chain to the right:
    /// `a.b.c` is `Dot(a, Dot(b, c))`, where the inner `Dot`'s left side is the step taken
    /// with the outer operator; with the `BREAK` flag, the right side is a whole index
    /// expression (`a[b.c]`), not more of the chain.
    fn rest(&mut self, parent: &Expr, rhs: &Expr, value: Value) -> Value {
        let dotting = matches!(parent, Expr::Dot(..));
        match rhs {
            Expr::Dot(x, ..) | Expr::Index(x, ..)
                if !parent.options().intersects(ASTFlags::BREAK) =>
            {
                let next = self.step(dotting, &x.lhs, value);
                self.rest(rhs, &x.rhs, next)
            }
            _ => self.step(dotting, rhs, value),
        }
    }

    /// One link of a chain, taken on `value`.
    fn step(&mut self, dotting: bool, link: &Expr, value: Value) -> Value {
        if dotting {
            return match link {
                Expr::Property(p, pos) => self.read(value, &p.2, *pos, false),
                Expr::MethodCall(call, pos) => {
                    self.method(value, call, *pos);
                    Value::unknown()
                }
                other => {
                    self.expr(other);
                    Value::unknown()
                }
            };
        }
        self.expr(link);
        match link {
            Expr::StringConstant(name, pos) => self.read(value, name, *pos, true),
            _ => {
                let shown = match link {
                    Expr::IntegerConstant(n, _) => n.to_string(),
                    Expr::Variable(x, ..) => x.1.to_string(),
                    _ => "…".to_string(),
                };
                let path = format!("{}[{shown}]", value.path);
                let pos = link.start_position();
                let ty = match value.ty {
                    Ty::Resources(kinds) => Ty::Resource(kinds),
                    Ty::Resource(_) | Ty::Counts | Ty::Report(_) => {
                        self.defer(pos, &path, Why::ComputedName);
                        Ty::Unknown
                    }
                    Ty::Plain(map) => {
                        self.defer(pos, &path, Why::PlainMap(map));
                        Ty::Unknown
                    }
                    Ty::Unknown => Ty::Unknown,
                };
                Value { ty, path }
            }
        }
    }

    /// `value.name()`: arguments walked; a tracked value as `this` of anything but a
    /// harmless built-in is left to run time.
    fn method(&mut self, value: Value, call: &FnCallExpr, pos: Position) {
        self.arguments(call);
        if value.ty.is_tracked() && !harmless(call) {
            self.defer(pos, &value.path, Why::PassedTo(call.name.to_string()));
        }
    }

    /// `value.name` or `value["name"]`: checked when `value` is tracked.
    fn read(&mut self, value: Value, name: &str, pos: Position, literal: bool) -> Value {
        let path = if literal {
            format!("{}[{name:?}]", value.path)
        } else {
            format!("{}.{name}", value.path)
        };
        // Underline the name, with its quotes when it is a string literal.
        let len = if literal { name.len() + 2 } else { name.len() };
        let ty = match value.ty {
            Ty::Resource(kinds) => self.resource_field(kinds, name, pos, len, &path),
            Ty::Counts => {
                if Severities::FIELDS.contains(&name) {
                    self.checked();
                } else {
                    let message =
                        unknown_field("patch counts", name, Severities::FIELDS.into_iter());
                    self.no_such_field(pos, len, &message);
                }
                Ty::Unknown
            }
            Ty::Report(kinds) => {
                if REPORT_FIELDS.contains(&name) {
                    self.checked();
                } else {
                    let message = unknown_field("the report", name, REPORT_FIELDS.iter().copied());
                    self.no_such_field(pos, len, &message);
                }
                match name {
                    "resources" => Ty::Resources(kinds),
                    "raw" => Ty::Plain("raw"),
                    "results" => Ty::Plain("results"),
                    _ => Ty::Unknown,
                }
            }
            Ty::Plain(map) => {
                self.defer(pos, &path, Why::PlainMap(map));
                Ty::Unknown
            }
            Ty::Resources(_) | Ty::Unknown => Ty::Unknown,
        };
        Value { ty, path }
    }

    fn checked(&mut self) {
        if self.reporting() {
            self.found.checked += 1;
        }
    }

    /// A field read on a resource of one of `kinds`: checked when every kind has it (or
    /// none can), left to run time when only some have it.
    fn resource_field(
        &mut self,
        kinds: Kinds,
        name: &str,
        pos: Position,
        len: usize,
        path: &str,
    ) -> Ty {
        let mut has = false;
        let mut column = false;
        let mut lacking = Vec::new();
        for kind in kinds.iter() {
            if kind.field_names().any(|f| f == name) {
                has = true;
            } else if kind.has_dynamic_fields() {
                column = true;
            } else {
                lacking.push(kind);
            }
        }
        if !has && !column {
            let message = unknown_field(&describe(kinds), name, field_names(kinds).into_iter());
            self.no_such_field(pos, len, &message);
            return Ty::Unknown;
        }
        if lacking.is_empty() && !column {
            self.checked();
        } else if lacking.is_empty() {
            self.defer(pos, path, Why::Column);
        } else {
            self.defer(pos, path, Why::SomeKinds(lacking));
        }
        if !has {
            return Ty::Unknown;
        }
        match name {
            "missing" | "compliant" => Ty::Counts,
            "raw" => Ty::Plain("raw"),
            "tags" => Ty::Plain("tags"),
            "columns" => Ty::Plain("columns"),
            "headers" => Ty::Plain("headers"),
            "controls" => Ty::Plain("controls"),
            _ => Ty::Unknown,
        }
    }

    /// The run-time typo message, split as the run-time diagnostic splits it: the reason,
    /// and the list of fields as help.
    fn no_such_field(&mut self, pos: Position, len: usize, message: &str) {
        let (reason, hint) = match message.split_once("; its fields are: ") {
            Some((reason, fields)) => (
                reason.to_string(),
                Some(format!("the fields are: {fields}")),
            ),
            None => (message.to_string(), None),
        };
        self.problem(Problem {
            code: Code::Field,
            pos,
            len,
            reason,
            hint,
        });
    }
}

/// "a patch_node resource", "a patch_node or config_rule resource".
fn describe(kinds: Kinds) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let names = match names.as_slice() {
        [] => "no".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    format!("a {names} resource")
}

/// The fields of every kind in `kinds`, each once, in the kinds' order.
fn field_names(kinds: Kinds) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in kinds.iter().flat_map(ResourceKind::field_names) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A call that reads nothing from a resource, report or counts handed to it, and hands
/// none of it back.
fn harmless(call: &FnCallExpr) -> bool {
    call.op_token.is_some() || HARMLESS.contains(&call.name.as_str())
}

fn join_scopes(
    a: &[(ImmutableString, Ty)],
    b: &[(ImmutableString, Ty)],
) -> Vec<(ImmutableString, Ty)> {
    a.iter()
        .zip(b)
        .map(|((name, x), (_, y))| (name.clone(), x.join(y)))
        .collect()
}
