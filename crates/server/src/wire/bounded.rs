//! Lists with a ceiling, enforced while the body is parsed: the parser stops
//! at the first item past the limit, so a huge list is never built in
//! memory, let alone handed to the engine or the database.

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Most records one write may carry (the engine's limit, checked here first).
pub const MAX_RECORDS: usize = tutela_engine::MAX_RECORDS_PER_WRITE;
/// Most category names a read or disclosure may give.
pub const MAX_CATEGORIES: usize = tutela_engine::MAX_ASKED_CATEGORIES;
/// Most purposes a key may be scoped to.
pub const MAX_PURPOSES: usize = 100;

/// A list of at most `N` items.
struct AtMost<T, const N: usize>(Vec<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for AtMost<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(AtMostVisitor::<T, N>(PhantomData))
    }
}

struct AtMostVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for AtMostVisitor<T, N> {
    type Value = AtMost<T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(N));
        while let Some(item) = seq.next_element()? {
            if items.len() == N {
                return Err(de::Error::custom(format!("must have at most {N} items")));
            }
            items.push(item);
        }
        Ok(AtMost(items))
    }
}

/// `records`: at most [`MAX_RECORDS`] (a subject's creation may give none).
pub(crate) fn records<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    AtMost::<T, MAX_RECORDS>::deserialize(d).map(|l| l.0)
}

/// `records` of a write: 1 to [`MAX_RECORDS`]. An empty list is refused
/// while parsing, with the same status and code as a list too long, so
/// both ends of the range read the same to a client.
pub(crate) fn some_records<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = records(d)?;
    if list.is_empty() {
        return Err(de::Error::custom("must have at least 1 item"));
    }
    Ok(list)
}

/// Category names as given: the names, or, past [`MAX_CATEGORIES`], only
/// how many there were. Counting the rest allocates nothing, and the
/// handler can refuse with the same code a read gets.
#[derive(Debug)]
pub enum Capped {
    /// At most [`MAX_CATEGORIES`] names.
    Within(Vec<String>),
    /// More than that: how many.
    Over(usize),
}

impl<'de> Deserialize<'de> for Capped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(CappedVisitor)
    }
}

struct CappedVisitor;

impl<'de> Visitor<'de> for CappedVisitor {
    type Value = Capped;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut names = Vec::new();
        while names.len() < MAX_CATEGORIES {
            match seq.next_element::<String>()? {
                Some(name) => names.push(name),
                None => return Ok(Capped::Within(names)),
            }
        }
        let mut count = names.len();
        while seq.next_element::<de::IgnoredAny>()?.is_some() {
            count += 1;
        }
        if count == names.len() {
            Ok(Capped::Within(names))
        } else {
            Ok(Capped::Over(count))
        }
    }
}

/// `categories`, optional: see [`Capped`].
pub(crate) fn categories<'de, D>(d: D) -> Result<Option<Capped>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<Capped>::deserialize(d)
}

/// `purposes`: at most [`MAX_PURPOSES`].
pub(crate) fn purposes<'de, D>(d: D) -> Result<Vec<String>, D::Error>
where
    D: Deserializer<'de>,
{
    AtMost::<String, MAX_PURPOSES>::deserialize(d).map(|l| l.0)
}

/// The pattern of a policy id (category, purpose, recipient, subject kind),
/// as `PurposeId::parse` and its siblings enforce it.
pub const ID_PATTERN: &str = "^[a-z][a-z0-9_]{0,63}$";

/// A list of policy ids: `min` to `max` items, `null` allowed when
/// `nullable`, each at most once when `unique`.
fn id_list(
    min: Option<usize>,
    max: usize,
    nullable: bool,
    unique: bool,
    description: &str,
) -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let types = if nullable {
        SchemaType::from_iter([Type::Array, Type::Null])
    } else {
        SchemaType::Type(Type::Array)
    };
    ArrayBuilder::new()
        .schema_type(types)
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(ID_PATTERN)),
        )
        .min_items(min)
        .max_items(Some(max))
        .unique_items(unique)
        .description(Some(description))
        .build()
}

/// The schema of `categories` on a disclosure: ids, 1 to [`MAX_CATEGORIES`].
pub(crate) fn categories_schema() -> utoipa::openapi::Array {
    id_list(
        Some(1),
        MAX_CATEGORIES,
        true,
        false,
        "Categories to disclose: 1 to 100 names, no more than the policy declares; absent means every category the purpose covers.",
    )
}

/// The schema of a key's `purposes`: distinct ids (each named once, or
/// `400 E_INVALID_INPUT`), at most [`MAX_PURPOSES`].
pub(crate) fn purposes_schema() -> utoipa::openapi::Array {
    id_list(
        None,
        MAX_PURPOSES,
        false,
        true,
        "Purposes the key may use data for (at most 100, each once); absent or empty means every purpose its role allows.",
    )
}
