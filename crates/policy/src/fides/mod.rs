//! Interoperability with fideslang, the privacy taxonomy and manifest
//! format of Fides: the default taxonomy to check `taxonomy` keys against,
//! and mappings between a Tutela policy and a Fides system/dataset
//! manifest (YAML), so a team already on Fides can move across and back.

pub mod taxonomy;
