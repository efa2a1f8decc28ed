//! The values compiled policies compute with, and what Rhai does with them.
//!
//! A [`Val`] borrows what it can: a resource's strings from the report text, constants
//! from the policy's pool, the resource itself from the report. Only a string a policy
//! builds (an interpolation, a concatenation) or a list or map it writes is allocated.
//!
//! Each operation here gives Rhai's answer where this module knows it for sure, and
//! `None` everywhere else, which sends the call back to the interpreter. That covers
//! every error Rhai raises (ordering against `()`, overflow, a division by zero, a
//! non-boolean condition): the interpreter then raises it, with its own message and
//! position, so errors never depend on which engine ran.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use rhai::Dynamic;

use crate::model::resource::{Field, Resource, Severities};
use crate::model::Report;

use super::super::engine::{ReportRef, ResourceRef};

/// A constant of the policy: a literal, a param, `global::NOW`, the policy's own `const`s.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Const {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Array(Vec<Const>),
    Map(Vec<(Box<str>, Const)>),
}

impl Const {
    /// The constant a Rhai value is, when it is one this module handles.
    pub(crate) fn of(value: &Dynamic) -> Option<Const> {
        if value.is_unit() {
            return Some(Const::Unit);
        }
        if let Ok(b) = value.as_bool() {
            return Some(Const::Bool(b));
        }
        if let Ok(n) = value.as_int() {
            return Some(Const::Int(n));
        }
        if let Ok(x) = value.as_float() {
            return Some(Const::Float(x));
        }
        if value.is_string() {
            return Some(Const::Str(value.clone().into_string().ok()?.into()));
        }
        if let Some(array) = value.read_lock::<rhai::Array>() {
            return array
                .iter()
                .map(Const::of)
                .collect::<Option<_>>()
                .map(Const::Array);
        }
        if let Some(map) = value.read_lock::<rhai::Map>() {
            return map
                .iter()
                .map(|(k, v)| Some((k.as_str().into(), Const::of(v)?)))
                .collect::<Option<_>>()
                .map(Const::Map);
        }
        None
    }

    /// The value, borrowing the constant.
    pub(crate) fn val(&self) -> Val<'_> {
        match self {
            Const::Unit => Val::Unit,
            Const::Bool(b) => Val::Bool(*b),
            Const::Int(n) => Val::Int(*n),
            Const::Float(x) => Val::Float(*x),
            Const::Str(s) => Val::Str(s),
            Const::Array(_) | Const::Map(_) => Val::Const(self),
        }
    }
}

/// A value during a compiled call.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string borrowed from the report text or the policy.
    Str(&'a str),
    /// A string the policy built.
    Owned(Rc<str>),
    Counts(&'a Severities),
    Resource(&'a Arc<Resource>),
    /// `report.resources`.
    Resources(&'a [Arc<Resource>]),
    Report(&'a Arc<Report>),
    /// An array or map constant.
    Const(&'a Const),
    /// An array the policy built.
    List(Rc<Vec<Val<'a>>>),
    /// A map the policy built (a finding's options); keys are the policy's literals.
    Map(Rc<Vec<(&'a str, Val<'a>)>>),
    /// A value of Rhai's own: the finding `deny`/`warn` made, a resource's tag map.
    Dyn(Rc<Dynamic>),
}

impl<'a> Val<'a> {
    /// A resource field as a value.
    pub(crate) fn of_field(field: Field<'a>) -> Val<'a> {
        match field {
            Field::Unit => Val::Unit,
            Field::Int(n) => Val::Int(n),
            Field::Float(x) => Val::Float(x),
            Field::Bool(b) => Val::Bool(b),
            Field::Str(s) => Val::Str(s),
            Field::Counts(c) => Val::Counts(c),
            other => Val::Dyn(Rc::new(super::super::engine::field_value(other))),
        }
    }

    /// The string, when this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Owned(s) => Some(s),
            _ => None,
        }
    }

    /// Is this `()`?
    pub(crate) fn is_unit(&self) -> bool {
        matches!(self, Val::Unit)
    }

    /// The elements, when this is an array: each call gets them by index.
    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            Val::Resources(list) => Some(list.len()),
            Val::Const(Const::Array(items)) => Some(items.len()),
            Val::List(items) => Some(items.len()),
            _ => None,
        }
    }

    /// Element `i` of an array.
    pub(crate) fn element(&self, i: usize) -> Option<Val<'a>> {
        match self {
            Val::Resources(list) => list.get(i).map(Val::Resource),
            Val::Const(Const::Array(items)) => items.get(i).map(Const::val),
            Val::List(items) => items.get(i).cloned(),
            _ => None,
        }
    }

    /// As Rhai holds it: for a returned finding, a `deny`/`warn` map, a param handed back.
    pub(crate) fn to_dynamic(&self) -> Dynamic {
        match self {
            Val::Unit => Dynamic::UNIT,
            Val::Bool(b) => Dynamic::from_bool(*b),
            Val::Int(n) => Dynamic::from_int(*n),
            Val::Float(x) => Dynamic::from_float(*x),
            Val::Str(s) => Dynamic::from(s.to_string()),
            Val::Owned(s) => Dynamic::from(s.to_string()),
            Val::Counts(c) => Dynamic::from(**c),
            Val::Resource(r) => Dynamic::from(ResourceRef(Arc::clone(r))),
            Val::Resources(list) => Dynamic::from_array(
                list.iter()
                    .map(|r| Dynamic::from(ResourceRef(Arc::clone(r))))
                    .collect(),
            ),
            Val::Report(r) => Dynamic::from(ReportRef(Arc::clone(r))),
            Val::Const(c) => const_dynamic(c),
            Val::List(items) => Dynamic::from_array(items.iter().map(Val::to_dynamic).collect()),
            Val::Map(entries) => Dynamic::from_map(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).into(), v.to_dynamic()))
                    .collect(),
            ),
            Val::Dyn(d) => (**d).clone(),
        }
    }
}

fn const_dynamic(c: &Const) -> Dynamic {
    match c {
        Const::Unit => Dynamic::UNIT,
        Const::Bool(b) => Dynamic::from_bool(*b),
        Const::Int(n) => Dynamic::from_int(*n),
        Const::Float(x) => Dynamic::from_float(*x),
        Const::Str(s) => Dynamic::from(s.to_string()),
        Const::Array(items) => Dynamic::from_array(items.iter().map(const_dynamic).collect()),
        Const::Map(entries) => Dynamic::from_map(
            entries
                .iter()
                .map(|(k, v)| ((&**k).into(), const_dynamic(v)))
                .collect(),
        ),
    }
}

/// The sizes Rhai weighs a value by against its limits: elements of arrays, entries of
/// maps, bytes of strings, each summed over everything the value holds.
pub(crate) fn sizes(v: &Val<'_>) -> (usize, usize, usize) {
    fn add(a: (usize, usize, usize), b: (usize, usize, usize)) -> (usize, usize, usize) {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2)
    }
    // Inside an array or a map, each element also counts as one (the folds add it).
    match v {
        Val::Str(s) => (0, 0, s.len()),
        Val::Owned(s) => (0, 0, s.len()),
        Val::Resources(list) => (list.len(), 0, 0),
        Val::List(items) => items
            .iter()
            .fold((0, 0, 0), |acc, i| add(add(acc, (1, 0, 0)), sizes(i))),
        Val::Map(entries) => entries
            .iter()
            .fold((0, 0, 0), |acc, (_, i)| add(add(acc, (0, 1, 0)), sizes(i))),
        Val::Const(c) => const_sizes(c),
        Val::Dyn(d) => dynamic_sizes(d),
        _ => (0, 0, 0),
    }
}

fn const_sizes(c: &Const) -> (usize, usize, usize) {
    match c {
        Const::Str(s) => (0, 0, s.len()),
        Const::Array(items) => items.iter().fold((0, 0, 0), |(a, m, s), i| {
            let (a2, m2, s2) = const_sizes(i);
            (a + 1 + a2, m + m2, s + s2)
        }),
        Const::Map(entries) => entries.iter().fold((0, 0, 0), |(a, m, s), (_, i)| {
            let (a2, m2, s2) = const_sizes(i);
            (a + a2, m + 1 + m2, s + s2)
        }),
        _ => (0, 0, 0),
    }
}

fn dynamic_sizes(d: &Dynamic) -> (usize, usize, usize) {
    if let Some(array) = d.read_lock::<rhai::Array>() {
        return array.iter().fold((0, 0, 0), |(a, m, s), i| {
            let (a2, m2, s2) = dynamic_sizes(i);
            (a + 1 + a2, m + m2, s + s2)
        });
    }
    if let Some(map) = d.read_lock::<rhai::Map>() {
        return map.values().fold((0, 0, 0), |(a, m, s), i| {
            let (a2, m2, s2) = dynamic_sizes(i);
            (a + a2, m + 1 + m2, s + s2)
        });
    }
    if let Some(s) = d.read_lock::<rhai::ImmutableString>() {
        return (0, 0, s.len());
    }
    (0, 0, 0)
}

/// `a == b` as Rhai answers it, when this module knows the answer.
pub(crate) fn equal(a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    use Val as V;
    // Rhai's comparisons with NaN do not follow IEEE (`NaN != 0` is false there).
    if is_nan(a) || is_nan(b) {
        return None;
    }
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => x == y,
        (V::Float(x), V::Float(y)) => x == y,
        #[allow(clippy::cast_precision_loss)] // Rhai compares them as floats, too
        (V::Int(x), V::Float(y)) | (V::Float(y), V::Int(x)) => (*x as f64) == *y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Unit, V::Unit) => true,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y,
            // Values of two different primitive types are never equal in Rhai.
            _ if primitive(a) && primitive(b) => false,
            // `()` against a count, a resource, a list: unequal, as Rhai says of two types
            // that differ; two counts, resources or lists are left to Rhai.
            _ if a.is_unit() || b.is_unit() => false,
            _ => return None,
        },
    })
}

fn is_nan(v: &Val<'_>) -> bool {
    matches!(v, Val::Float(x) if x.is_nan())
}

/// A unit, boolean, number or string.
fn primitive(v: &Val<'_>) -> bool {
    matches!(
        v,
        Val::Unit | Val::Bool(_) | Val::Int(_) | Val::Float(_) | Val::Str(_) | Val::Owned(_)
    )
}

/// `a OP b` for an ordering operator (`Less` for `<`, `Less`/`Equal` for `<=`, ...) as
/// Rhai answers it, when this module knows the answer.
pub(crate) fn compare(a: &Val<'_>, b: &Val<'_>, holds: fn(Ordering) -> bool) -> Option<bool> {
    use Val as V;
    if is_nan(a) || is_nan(b) {
        return None;
    }
    let ordering = match (a, b) {
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Float(x), V::Float(y)) => x.partial_cmp(y)?,
        #[allow(clippy::cast_precision_loss)]
        (V::Int(x), V::Float(y)) => (*x as f64).partial_cmp(y)?,
        #[allow(clippy::cast_precision_loss)]
        (V::Float(x), V::Int(y)) => x.partial_cmp(&(*y as f64))?,
        // `()` against a number is the error tollgate registers: Rhai raises it.
        (V::Unit, V::Int(_) | V::Float(_)) | (V::Int(_) | V::Float(_), V::Unit) => return None,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x.cmp(y),
            // Rhai orders no other pair of its primitive types: every comparison is false.
            _ if primitive(a) && primitive(b) => return Some(false),
            _ => return None,
        },
    };
    Some(holds(ordering))
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `a OP b` as Rhai computes it; `None` on an overflow, a division by zero or types this
/// module does not add.
pub(crate) fn arith<'a>(op: Arith, a: &Val<'a>, b: &Val<'a>, max_string: usize) -> Option<Val<'a>> {
    use Val as V;
    match (a, b) {
        (V::Int(x), V::Int(y)) => Some(V::Int(match op {
            Arith::Add => x.checked_add(*y)?,
            Arith::Sub => x.checked_sub(*y)?,
            Arith::Mul => x.checked_mul(*y)?,
            Arith::Div => x.checked_div(*y)?,
            Arith::Rem => x.checked_rem(*y)?,
        })),
        (V::Float(_), V::Float(_) | V::Int(_)) | (V::Int(_), V::Float(_)) => {
            let (x, y) = (float(a)?, float(b)?);
            Some(V::Float(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
                Arith::Rem => x % y,
            }))
        }
        _ if op == Arith::Add => {
            // A string joins with a string, and with any other primitive as its text
            // (`()` as nothing).
            let string = a.as_str().is_some() || b.as_str().is_some();
            if !(string && primitive(a) && primitive(b)) {
                return None;
            }
            let joined = format!("{}{}", text(a)?, text(b)?);
            (joined.len() <= max_string).then(|| V::Owned(joined.into()))
        }
        _ => None,
    }
}

#[allow(clippy::cast_precision_loss)]
fn float(v: &Val<'_>) -> Option<f64> {
    match v {
        Val::Float(x) => Some(*x),
        Val::Int(n) => Some(*n as f64),
        _ => None,
    }
}

/// `-a`.
pub(crate) fn negate<'a>(a: &Val<'a>) -> Option<Val<'a>> {
    match a {
        Val::Int(n) => n.checked_neg().map(Val::Int),
        Val::Float(x) => Some(Val::Float(-x)),
        _ => None,
    }
}

/// The text an interpolation writes for `v`, as Rhai's `to_string` gives it.
pub(crate) fn text<'v>(v: &'v Val<'_>) -> Option<std::borrow::Cow<'v, str>> {
    use std::borrow::Cow;
    Some(match v {
        Val::Unit => Cow::Borrowed(""),
        Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Val::Int(n) => Cow::Owned(n.to_string()),
        // Rhai's own formatting of floats (`1.0`, `1e20`).
        Val::Float(x) => Cow::Owned(Dynamic::from_float(*x).to_string()),
        Val::Str(s) => Cow::Borrowed(s),
        Val::Owned(s) => Cow::Borrowed(&**s),
        Val::Counts(c) => Cow::Owned(c.to_string()),
        Val::Resource(r) => Cow::Owned(super::super::engine::describe(r)),
        _ => return None,
    })
}

/// `item in container` (Rhai's `contains(container, item)`).
pub(crate) fn contains(container: &Val<'_>, item: &Val<'_>) -> Option<bool> {
    match container {
        Val::Str(_) | Val::Owned(_) => {
            let hay = container.as_str()?;
            item.as_str().map(|needle| hay.contains(needle))
        }
        Val::Const(Const::Map(entries)) => {
            let key = item.as_str()?;
            Some(entries.iter().any(|(k, _)| &**k == key))
        }
        Val::Map(entries) => {
            let key = item.as_str()?;
            Some(entries.iter().any(|(k, _)| *k == key))
        }
        _ => {
            let n = container.len()?;
            for i in 0..n {
                if equal(&container.element(i)?, item)? {
                    return Some(true);
                }
            }
            Some(false)
        }
    }
}

/// `v.name` on a map: its value, or `()` when there is none (as Rhai reads a map).
pub(crate) fn map_get<'a>(v: &Val<'a>, name: &str) -> Option<Val<'a>> {
    match v {
        Val::Const(Const::Map(entries)) => Some(
            entries
                .iter()
                .find(|(k, _)| &**k == name)
                .map_or(Val::Unit, |(_, c)| c.val()),
        ),
        Val::Map(entries) => Some(
            entries
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(Val::Unit, |(_, v)| v.clone()),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_follow_rhai_or_step_aside() {
        assert_eq!(equal(&Val::Int(1), &Val::Float(1.0)), Some(true));
        assert_eq!(equal(&Val::Int(1), &Val::Str("1")), Some(false));
        assert_eq!(equal(&Val::Unit, &Val::Str("x")), Some(false));
        assert_eq!(equal(&Val::Unit, &Val::Unit), Some(true));
        assert_eq!(equal(&Val::Str("a"), &Val::Owned("a".into())), Some(true));
        let lt = Ordering::is_lt;
        assert_eq!(
            compare(&Val::Unit, &Val::Int(0), lt),
            None,
            "Rhai raises this one"
        );
        assert_eq!(compare(&Val::Int(1), &Val::Float(1.5), lt), Some(true));
        assert_eq!(compare(&Val::Str("a"), &Val::Bool(true), lt), Some(false));
        assert_eq!(
            compare(&Val::Unit, &Val::Unit, Ordering::is_le),
            Some(false)
        );
    }

    #[test]
    fn arithmetic_steps_aside_where_rhai_raises() {
        let max = 100;
        assert!(arith(Arith::Add, &Val::Int(i64::MAX), &Val::Int(1), max).is_none());
        assert!(arith(Arith::Div, &Val::Int(7), &Val::Int(0), max).is_none());
        assert!(matches!(
            arith(Arith::Div, &Val::Int(-7), &Val::Int(2), max),
            Some(Val::Int(-3))
        ));
        assert!(
            matches!(arith(Arith::Add, &Val::Str("a"), &Val::Int(1), max), Some(Val::Owned(s)) if &*s == "a1")
        );
        assert!(arith(Arith::Add, &Val::Str("aaaaaa"), &Val::Str("bbbbbb"), 10).is_none());
        assert_eq!(text(&Val::Float(1.0)).as_deref(), Some("1.0"));
        assert_eq!(text(&Val::Unit).as_deref(), Some(""));
    }
}
