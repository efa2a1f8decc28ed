//! Where the ledger is: a SQLite file, or a PostgreSQL URL. A URL never carries a password
//! itself: it names an environment variable for it (`postgres://tollgate:${PGPASS}@db/x`),
//! or the password comes from `PGPASSWORD`, so the location can be shown in any message.

use std::fmt;
use std::path::{Path, PathBuf};

/// The ledger's place.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(PgUrl),
}

/// A PostgreSQL URL with its password indirection taken out.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL as written (with `${NAME}` where the password goes, if anywhere).
    pub(crate) shown: String,
    /// The URL without the password part, for the driver.
    pub(crate) url: String,
    /// The variable that holds the password; `None` means `PGPASSWORD`, if set.
    pub(crate) password_var: Option<String>,
}

// By hand, so that a `{:?}` of settings can never print more than the label.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({})", self.label())
    }
}

impl Location {
    /// Read `text` (from `[state] store` or `--state`): a `postgres://` or `postgresql://`
    /// URL, else a file path, relative to `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Location, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the state store is empty: give a file path or a postgres:// URL".into());
        }
        let Some(rest) = text
            .strip_prefix("postgres://")
            .or_else(|| text.strip_prefix("postgresql://"))
        else {
            if text.contains("://") {
                return Err(format!(
                    "the state store {text:?} is neither a file path nor a postgres:// URL"
                ));
            }
            return Ok(Location::Sqlite(base.join(text)));
        };
        let scheme = &text[..text.len() - rest.len()];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (userinfo, after) = match rest[..authority_end].rfind('@') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => ("", rest),
        };
        let (user, password_var) = match userinfo.split_once(':') {
            None => (userinfo, None),
            Some((user, password)) => match password
                .strip_prefix("${")
                .and_then(|p| p.strip_suffix('}'))
            {
                Some(var) if valid_var(var) => (user, Some(var.to_string())),
                _ => {
                    // The message must not repeat the password.
                    return Err(
                        "the PostgreSQL URL of the state store carries a password: write ${VARIABLE} in its place (the password is read from that environment variable) or leave it out and set PGPASSWORD"
                            .into(),
                    );
                }
            },
        };
        let url = format!("{scheme}{user}{after}");
        url.parse::<::postgres::Config>()
            .map_err(|e| format!("the state store's PostgreSQL URL is not valid: {e}"))?;
        Ok(Location::Postgres(PgUrl {
            shown: text.to_string(),
            url,
            password_var,
        }))
    }

    /// The location for messages: the file path, or the URL as written (which holds no
    /// password, only the name of the variable that does).
    pub fn label(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => url.shown.clone(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

fn valid_var(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_config_and_urls_keep_no_password() {
        let base = Path::new("/repo");
        assert_eq!(
            Location::parse(".tollgate/state.db", base).unwrap(),
            Location::Sqlite("/repo/.tollgate/state.db".into())
        );
        let Location::Postgres(url) = Location::parse(
            "postgres://tollgate:${PG_PASS}@db.internal:5433/compliance",
            base,
        )
        .unwrap() else {
            panic!("a URL is PostgreSQL")
        };
        assert_eq!(url.url, "postgres://tollgate@db.internal:5433/compliance");
        assert_eq!(url.password_var.as_deref(), Some("PG_PASS"));
        let plain = Location::parse("postgresql://u@h/db?sslmode=disable", base).unwrap();
        assert_eq!(plain.label(), "postgresql://u@h/db?sslmode=disable");
    }

    #[test]
    fn a_literal_password_is_refused_without_being_repeated() {
        let err = Location::parse("postgres://u:hunter2secret@h/db", Path::new(".")).unwrap_err();
        assert!(err.contains("carries a password"), "{err}");
        assert!(!err.contains("hunter2secret"), "{err}");
        let err = Location::parse("postgres://u:${1BAD}@h/db", Path::new(".")).unwrap_err();
        assert!(err.contains("carries a password"), "{err}");
        assert!(Location::parse("mysql://h/db", Path::new("."))
            .unwrap_err()
            .contains("neither"));
        assert!(Location::parse("  ", Path::new(".")).is_err());
    }
}
