//! Paths named inside a file (a scenario's `extends` and `file`, a batch's
//! `model` and `scenarios`) stay inside the folder of that file, so that a
//! file from someone else cannot make sourcemix read (or, through a batch,
//! solve) files elsewhere on the machine. The check is on the path as
//! written: no absolute path, and no `..` that climbs above the folder. A
//! second folder (the model's) may also be allowed.

use std::path::{Component, Path, PathBuf};

/// Why a path named in a file is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path \"{0}\" is absolute; paths in this file must be relative to its folder (or give --allow-outside)")]
    Absolute(String),
    #[error("path \"{0}\" leaves the folder of this file{1}; use a path inside it (or give --allow-outside)")]
    Escapes(String, String),
}

/// Resolves `written` against `base` (the folder of the file naming it).
/// Unless `allow_outside`, the result must be inside `base`, or inside
/// `also` when given (e.g. the model folder).
pub fn resolve(
    base: &Path,
    written: &str,
    also: Option<&Path>,
    allow_outside: bool,
) -> Result<PathBuf, PathError> {
    let path = base.join(written);
    if allow_outside {
        return Ok(path);
    }
    let mut depth: i64 = 0;
    for c in Path::new(written).components() {
        match c {
            Component::Prefix(_) | Component::RootDir => {
                return Err(PathError::Absolute(written.to_string()))
            }
            Component::CurDir => {}
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
        }
        if depth < 0 {
            let inside_also = also.is_some_and(|dir| normal(&path).starts_with(normal(dir)));
            if inside_also {
                return Ok(path);
            }
            let or_model = if also.is_some() {
                " and the model folder"
            } else {
                ""
            };
            return Err(PathError::Escapes(
                written.to_string(),
                or_model.to_string(),
            ));
        }
    }
    Ok(path)
}

/// `path` made absolute, with `.` and `..` folded in (lexically: links are not followed).
fn normal(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_outside() {
        let base = Path::new("/m/scenarios");
        assert!(resolve(base, "a.toml", None, false).is_ok());
        assert!(resolve(base, "sub/../a.toml", None, false).is_ok());
        assert!(resolve(base, ".", None, false).is_ok());
        assert!(matches!(
            resolve(base, "../a.toml", None, false),
            Err(PathError::Escapes(..))
        ));
        assert!(matches!(
            resolve(base, "sub/../../a.toml", None, false),
            Err(PathError::Escapes(..))
        ));
        assert!(matches!(
            resolve(base, "/etc/passwd", None, false),
            Err(PathError::Absolute(_))
        ));
        // The model folder may be named as a second root.
        assert!(resolve(base, "../common.toml", Some(Path::new("/m")), false).is_ok());
        assert!(resolve(base, "../../x.toml", Some(Path::new("/m")), false).is_err());
        assert!(resolve(base, "../../x.toml", None, true).is_ok());
    }
}
