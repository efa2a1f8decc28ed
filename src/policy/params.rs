//! Which `[params]` the loaded policies read, found in their syntax trees without running
//! them: `param("name", ...)`, `global::PARAMS.name`, `global::PARAMS["name"]` and
//! `"name" in global::PARAMS`. A param that no policy reads is most often a top-level key
//! written below `[params]` in tollgate.toml (`strict = true` read as a param, not as the
//! setting), so the run warns about it. A policy that reads params in a way the names
//! cannot be told from (`param(name_var)`, `global::PARAMS` handed to a function) may read
//! any of them, and then nothing is warned about.

use std::collections::BTreeSet;

use rhai::{ASTNode, Expr, FnCallExpr, Stmt, AST};

use super::Policy;

/// The params a set of policies reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ParamsRead {
    /// The names read by name.
    pub names: BTreeSet<String>,
    /// Some policy reads params by a name only known when it runs.
    pub any: bool,
}

impl ParamsRead {
    /// Is a param of this name read (or possibly read)?
    pub(crate) fn reads(&self, name: &str) -> bool {
        self.any || self.names.contains(name)
    }
}

/// The params `policies` read.
pub(crate) fn read_by(policies: &[Policy]) -> ParamsRead {
    let mut read = ParamsRead::default();
    for policy in policies {
        scan(&policy.ast, &mut read);
    }
    read
}

/// Add what one syntax tree reads.
pub(crate) fn scan(ast: &AST, read: &mut ParamsRead) {
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(call) = path.last().and_then(call_of) {
            if call.name == "param" && call.namespace.is_empty() {
                match call.args.first() {
                    Some(Expr::StringConstant(name, _)) => {
                        read.names.insert(name.to_string());
                    }
                    _ => read.any = true,
                }
            }
            return true;
        }
        let Some(ASTNode::Expr(expr)) = path.last() else {
            return true;
        };
        match expr {
            Expr::Variable(var, ..) if var.1 == "PARAMS" && var.2.root() == "global" => {
                let parent = path.len().checked_sub(2).and_then(|i| path.get(i));
                match parent.and_then(|p| named_by(p, expr)) {
                    Some(name) => {
                        read.names.insert(name);
                    }
                    None => read.any = true,
                }
            }
            _ => {}
        }
        true
    });
}

/// The param name that `parent` reads from `params` (the `global::PARAMS` expression), when
/// it reads one by a literal name.
fn named_by(parent: &ASTNode, params: &Expr) -> Option<String> {
    if let Some(call) = call_of(parent) {
        // `"name" in PARAMS` is `contains(PARAMS, "name")`
        return match call.args.as_slice() {
            [first, Expr::StringConstant(name, _)]
                if call.name == "contains" && std::ptr::eq(first, params) =>
            {
                Some(name.to_string())
            }
            _ => None,
        };
    }
    let ASTNode::Expr(parent) = parent else {
        return None;
    };
    match parent {
        // `PARAMS.name`, `PARAMS.name.more`
        Expr::Dot(b, ..) if std::ptr::eq(&b.lhs, params) => first_key(&b.rhs),
        // `PARAMS["name"]`, `PARAMS["name"].more`
        Expr::Index(b, ..) if std::ptr::eq(&b.lhs, params) => first_key(&b.rhs),
        _ => None,
    }
}

/// The function call a node is, as an expression or as a statement of its own.
fn call_of<'a>(node: &ASTNode<'a>) -> Option<&'a FnCallExpr> {
    match node {
        ASTNode::Expr(Expr::FnCall(call, _)) | ASTNode::Stmt(Stmt::FnCall(call, _)) => Some(call),
        _ => None,
    }
}

/// The first link of a property or index chain, when it is a name: `name`, `name.more`,
/// `"name"`, `"name"[0]`.
fn first_key(rhs: &Expr) -> Option<String> {
    match rhs {
        Expr::Property(p, _) => Some(p.2.to_string()),
        Expr::StringConstant(s, _) => Some(s.to_string()),
        Expr::Dot(b, ..) | Expr::Index(b, ..) => first_key(&b.lhs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> ParamsRead {
        let mut engine = rhai::Engine::new_raw();
        engine.register_fn("param", |_: &str, d: rhai::Dynamic| d);
        let mut module = rhai::Module::new();
        module.set_var("PARAMS", rhai::Map::new());
        engine.register_static_module("global", module.into());
        let ast = engine.compile(format!("fn check(n) {{ {body} }}")).unwrap();
        let mut read = ParamsRead::default();
        scan(&ast, &mut read);
        read
    }

    fn names(body: &str) -> Vec<String> {
        let r = read(body);
        assert!(!r.any, "{body}: read by a name not known before running");
        r.names.into_iter().collect()
    }

    #[test]
    fn finds_params_read_by_name() {
        assert_eq!(names(r#"param("a", 1)"#), ["a"]);
        assert_eq!(names(r#"param("a")"#), ["a"]);
        assert_eq!(names("global::PARAMS.b"), ["b"]);
        assert_eq!(names("global::PARAMS.b.len()"), ["b"]);
        assert_eq!(names("global::PARAMS.b ?? 5"), ["b"]);
        assert_eq!(names(r#"global::PARAMS["c"]"#), ["c"]);
        assert_eq!(names(r#"global::PARAMS["c"][0]"#), ["c"]);
        assert_eq!(names(r#"if "d" in global::PARAMS { 1 }"#), ["d"]);
        assert_eq!(
            names(r#"n.group in param("e", []) && global::PARAMS.f > 1"#),
            ["e", "f"]
        );
        assert_eq!(names("n.missing.critical > 0"), Vec::<String>::new());
    }

    #[test]
    fn a_name_known_only_when_running_may_be_any() {
        for body in [
            "let k = \"a\"; param(k, 1)",
            "let k = \"a\"; global::PARAMS[k]",
            "let p = global::PARAMS; p.a",
            "global::PARAMS.keys()",
        ] {
            let r = read(body);
            assert!(r.any, "{body}");
            assert!(r.reads("anything"), "{body}");
        }
    }
}
