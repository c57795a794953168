//! Interoperability with fideslang, the privacy taxonomy and manifest
//! format of Fides: the default taxonomy to check `taxonomy` keys against,
//! and mappings between a Tutela policy and a Fides system/dataset
//! manifest (YAML), so a team already on Fides can move across and back.
//!
//! Pure: the caller reads and writes files; this module maps text to text.

mod depth;
mod draft;
mod export;
mod import;
pub mod manifest;
pub mod taxonomy;
mod vocab;

#[cfg(test)]
mod tests;

use crate::model::Policy;
use manifest::Manifest;

/// Why a manifest could not be imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FidesError {
    /// The text is not YAML, or not shaped like a Fides manifest.
    #[error("{source_name}:{line}:{column}: {message}")]
    Yaml {
        /// The file (or other name) the text came from.
        source_name: String,
        /// 1-based line, 0 when the parser gave none.
        line: usize,
        /// 1-based column, 0 when the parser gave none.
        column: usize,
        /// What the parser found wrong.
        message: String,
    },
    /// No file held a `system` or `dataset` resource.
    #[error(
        "no `system` or `dataset` resource found in {0}; a Fides manifest lists them at the top level"
    )]
    Empty(String),
}

impl FidesError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Yaml { .. } => "E_FIDES_YAML",
            Self::Empty(_) => "E_FIDES_EMPTY",
        }
    }
}

/// Reads one manifest's YAML text; `source_name` names it in errors.
pub fn parse_manifest(source_name: &str, text: &str) -> Result<Manifest, FidesError> {
    if let Some(line) = depth::too_deep(text) {
        return Err(FidesError::Yaml {
            source_name: source_name.to_owned(),
            line,
            column: 0,
            message: format!(
                "nesting deeper than {} levels; a Fides manifest nests about six",
                depth::MAX_DEPTH
            ),
        });
    }
    serde_norway::from_str::<Option<Manifest>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let message = e.to_string();
            // The position is reported on its own; drop the parser's copy.
            let message = match message.rfind(" at line ") {
                Some(at) if line > 0 => message.get(..at).unwrap_or(&message).to_owned(),
                _ => message,
            };
            FidesError::Yaml {
                source_name: source_name.to_owned(),
                line,
                column,
                message,
            }
        })
}

/// A policy file (TOML text, commented) built from Fides manifests given
/// as `(name, YAML text)` pairs. Facts Fides does not record are left as
/// `TODO` comments, so `check` reports each as an error at its place.
pub fn import(sources: &[(&str, &str)]) -> Result<String, FidesError> {
    let manifests = sources
        .iter()
        .map(|(name, text)| parse_manifest(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    if manifests
        .iter()
        .all(|m| m.system.is_empty() && m.dataset.is_empty())
    {
        let names: Vec<&str> = sources.iter().map(|(name, _)| *name).collect();
        return Err(FidesError::Empty(names.join(", ")));
    }
    let names = sources.iter().map(|(name, _)| (*name).to_owned()).collect();
    Ok(draft::render(&import::draft(&manifests, names)))
}

/// The Fides manifest describing a policy, as a value.
pub fn export_manifest(policy: &Policy) -> Manifest {
    export::manifest(policy)
}

/// The Fides manifest describing a policy, as YAML text: one system with a
/// privacy declaration per purpose, a dataset with a field per category,
/// custom data subjects, and the facts fideslang has no field for under
/// the system's `meta.tutela`.
pub fn export(policy: &Policy) -> String {
    // Serialising plain structs of strings, booleans and lists cannot fail;
    // should it ever, the header alone is written rather than a panic.
    let yaml = serde_norway::to_string(&export::manifest(policy)).unwrap_or_default();
    format!(
        "# Fides manifest written by Tutela from a policy file.\n\
         # `meta.tutela` holds what fideslang has no field for; keep it to import the\n\
         # policy back unchanged (tutela policy import-fides).\n{yaml}"
    )
}
