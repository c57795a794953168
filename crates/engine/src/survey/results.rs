//! A survey's results from its grouped counts: count, mean and
//! distribution per question, per cohort node (organisation, teams,
//! sub-teams) and per period, with the cells [`suppress`] withholds said to
//! be withheld, optional noise on the shown ones, and free text only for
//! teams whose cell is shown, in random order. Pure: the store's one
//! grouped statement and the caller's decryption feed it.

use super::noise::RandomSource;
use super::suppress::{self, Reason, Status, Tree};
use super::{Key, ParticipationRow, QuestionKind, SurveyDefinition, TallyRow};
use crate::error::EngineError;
use std::collections::HashMap;

/// The figures of one shown cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Answers counted.
    pub count: u64,
    /// Their mean, for scales and moods with at least one answer.
    pub mean: Option<f64>,
    /// `(label, count)` for each possible value, lowest first (empty for
    /// free text).
    pub distribution: Vec<(String, u64)>,
}

/// One cell: shown, or withheld and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Shown.
    Shown(Figures),
    /// Withheld.
    Withheld(Reason),
}

/// One cohort node's cells for one question.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortResults {
    /// The team's key; `None` for the organisation.
    pub team: Option<Key>,
    /// Over every period shown.
    pub total: Cell,
    /// One per period, in the order of [`SurveyResults::periods`].
    pub periods: Vec<Cell>,
    /// Free-text answers of a team without sub-teams whose total is shown,
    /// in random order.
    pub texts: Vec<String>,
}

/// One question's results.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionResults {
    /// The question's key.
    pub question: Key,
    /// Its kind's stable name.
    pub kind: &'static str,
    /// The organisation first, then the teams in the survey's order.
    pub cohorts: Vec<CohortResults>,
}

/// A survey's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResults {
    /// The periods shown (ISO weeks that ended, or all once closed).
    pub periods: Vec<String>,
    /// The survey's minimum group size.
    pub min_group_size: u32,
    /// Members issued a token.
    pub issued: u64,
    /// Tokens spent: members who answered (who they are is not kept).
    pub responded: u64,
    /// Per question.
    pub questions: Vec<QuestionResults>,
}

/// A free-text answer, opened, with where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedText {
    /// Team key.
    pub team: String,
    /// Period.
    pub period: String,
    /// Question key.
    pub question: String,
    /// The text.
    pub text: String,
}

/// What the results are computed from.
pub struct Inputs<'a> {
    /// The survey.
    pub definition: &'a SurveyDefinition,
    /// Its minimum group size.
    pub min_group_size: u32,
    /// The periods to show, ascending.
    pub periods: &'a [String],
    /// Grouped counts (rows of other periods are ignored).
    pub tallies: &'a [TallyRow],
    /// Free-text answers (those of other periods are ignored); counted
    /// always, listed only when `publish_texts`.
    pub texts: &'a [OpenedText],
    /// Whether free text is listed: not under noise, where a list would
    /// give its exact length, the count the noise hides.
    pub publish_texts: bool,
    /// Tokens per team.
    pub participation: &'a [ParticipationRow],
}

/// Adds noise to one shown count.
pub type Noiser<'a> = dyn FnMut(u64) -> Result<u64, EngineError> + 'a;

/// The cohort tree: node 0 the organisation, node `i + 1` team `i`.
fn tree_of(def: &SurveyDefinition) -> (Tree, HashMap<&str, usize>) {
    let index: HashMap<&str, usize> = def
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i + 1))
        .collect();
    let mut parents = vec![None];
    parents.extend(def.teams.iter().map(|t| {
        Some(
            t.parent
                .as_ref()
                .and_then(|p| index.get(p.as_str()).copied())
                .unwrap_or(0),
        )
    }));
    // Parsing put every parent before its children, so the tree is
    // valid; were it not, every team would sit under the organisation.
    let tree = Tree::from_parents(&parents).unwrap_or_else(|| Tree::flat(def.teams.len()));
    (tree, index)
}

/// The ancestors of `node`, itself included, up to the organisation.
fn path(parents: &[usize], node: usize) -> Vec<usize> {
    let mut out = vec![node];
    let mut at = node;
    while at != 0 {
        at = parents.get(at).copied().unwrap_or(0);
        out.push(at);
    }
    out
}

/// Per node and period, a histogram over the question's values (or one
/// bucket for free text).
type Histograms = Vec<Vec<Vec<u64>>>;

/// Computes the results; `noise` is applied to every count shown.
pub fn compute(
    inputs: &Inputs<'_>,
    noise: Option<&mut Noiser<'_>>,
    rng: &mut dyn RandomSource,
) -> Result<SurveyResults, EngineError> {
    let def = inputs.definition;
    let (tree, index) = tree_of(def);
    let mut parents = vec![0usize; tree.len()];
    for n in 0..tree.len() {
        for &c in tree.children(n) {
            if let Some(p) = parents.get_mut(c) {
                *p = n;
            }
        }
    }
    let period_at: HashMap<&str, usize> = inputs
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let mut noise = noise;
    let hists: Vec<Histograms> = def
        .questions
        .iter()
        .map(|q| histograms(inputs, q, &tree, &parents, &index, &period_at))
        .collect();
    let grids = shared_grids(&tree, &hists, u64::from(inputs.min_group_size));
    let mut questions = Vec::with_capacity(def.questions.len());
    for ((q, hist), grid) in def.questions.iter().zip(hists).zip(grids) {
        let mut cohorts = Vec::with_capacity(tree.len());
        for node in 0..tree.len() {
            let row = hist.get(node).map_or(&[][..], Vec::as_slice);
            let mut periods = Vec::with_capacity(row.len());
            for (k, h) in row.iter().enumerate() {
                let status = grid.per_period.get(node).and_then(|r| r.get(k)).copied();
                periods.push(cell(&q.kind, h, status, noise.as_deref_mut())?);
            }
            let total_hist = sum_histograms(row, q);
            let total_status = grid.total.get(node).copied();
            let total = cell(&q.kind, &total_hist, total_status, noise.as_deref_mut())?;
            let team = node.checked_sub(1).and_then(|i| def.teams.get(i));
            let leaf = tree.children(node).is_empty() && node != 0;
            let texts = match (&total, team) {
                (Cell::Shown(_), Some(t))
                    if leaf && q.kind == QuestionKind::Text && inputs.publish_texts =>
                {
                    texts_of(inputs, q.key.as_str(), t.key.as_str(), &period_at, rng)?
                }
                _ => Vec::new(),
            };
            cohorts.push(CohortResults {
                team: team.map(|t| t.key.clone()),
                total,
                periods,
                texts,
            });
        }
        questions.push(QuestionResults {
            question: q.key.clone(),
            kind: q.kind.as_str(),
            cohorts,
        });
    }
    let issued: u64 = inputs.participation.iter().map(|p| p.issued).sum();
    let unspent: u64 = inputs.participation.iter().map(|p| p.unspent).sum();
    Ok(SurveyResults {
        periods: inputs.periods.to_vec(),
        min_group_size: inputs.min_group_size,
        issued,
        responded: issued.saturating_sub(unspent),
        questions,
    })
}

/// Every question's grid, withholding in each the cells any question
/// withholds: one respondent answers every question, so a count one
/// question shows (an optional question's) could give away the one another
/// withholds (a required question's, whose count is the team's
/// respondents). Repeated until no question withholds a cell the others
/// show; it ends, as the set of forced cells only grows.
fn shared_grids(tree: &Tree, hists: &[Histograms], min: u64) -> Vec<suppress::Grid> {
    let counts: Vec<Vec<Vec<u64>>> = hists
        .iter()
        .map(|hist| {
            hist.iter()
                .map(|row| row.iter().map(|h| h.iter().sum()).collect())
                .collect()
        })
        .collect();
    let mut forced = suppress::Forced::default();
    loop {
        let grids: Vec<suppress::Grid> = counts
            .iter()
            .map(|c| suppress::suppress_with(tree, c, min, &forced))
            .collect();
        let mut grew = false;
        for grid in &grids {
            grew |= forced.absorb(grid);
        }
        if !grew {
            return grids;
        }
    }
}

fn buckets(q: &super::Question) -> usize {
    let range = q.kind.values();
    usize::try_from(range.end() - range.start() + 1)
        .unwrap_or(1)
        .max(1)
}

fn histograms(
    inputs: &Inputs<'_>,
    q: &super::Question,
    tree: &Tree,
    parents: &[usize],
    index: &HashMap<&str, usize>,
    period_at: &HashMap<&str, usize>,
) -> Histograms {
    let width = buckets(q);
    let mut hist = vec![vec![vec![0u64; width]; inputs.periods.len()]; tree.len()];
    let mut add = |team: &str, period: &str, bucket: usize, n: u64| {
        let (Some(&leaf), Some(&k)) = (index.get(team), period_at.get(period)) else {
            return;
        };
        for node in path(parents, leaf) {
            if let Some(slot) = hist
                .get_mut(node)
                .and_then(|r| r.get_mut(k))
                .and_then(|h| h.get_mut(bucket))
            {
                *slot += n;
            }
        }
    };
    if q.kind == QuestionKind::Text {
        for t in inputs.texts.iter().filter(|t| t.question == q.key.as_str()) {
            add(&t.team, &t.period, 0, 1);
        }
    } else {
        let low = *q.kind.values().start();
        for t in inputs
            .tallies
            .iter()
            .filter(|t| t.question == q.key.as_str())
        {
            if let Ok(bucket) = usize::try_from(t.value - low) {
                add(&t.team, &t.period, bucket, t.count);
            }
        }
    }
    hist
}

fn sum_histograms(row: &[Vec<u64>], q: &super::Question) -> Vec<u64> {
    let mut total = vec![0u64; buckets(q)];
    for h in row {
        for (t, n) in total.iter_mut().zip(h) {
            *t += n;
        }
    }
    total
}

fn cell(
    kind: &QuestionKind,
    hist: &[u64],
    status: Option<Status>,
    noise: Option<&mut Noiser<'_>>,
) -> Result<Cell, EngineError> {
    if let Some(Status::Withheld(reason)) = status {
        return Ok(Cell::Withheld(reason));
    }
    let hist: Vec<u64> = match noise {
        Some(add) => hist.iter().map(|&n| add(n)).collect::<Result<_, _>>()?,
        None => hist.to_vec(),
    };
    let count: u64 = hist.iter().sum();
    let low = *kind.values().start();
    let weighted: i128 = hist
        .iter()
        .zip(low..)
        .map(|(&n, v)| i128::from(n) * i128::from(v))
        .sum();
    let mean = (kind.has_mean() && count > 0).then(|| weighted as f64 / count as f64);
    let distribution = if *kind == QuestionKind::Text {
        Vec::new()
    } else {
        hist.iter()
            .zip(low..)
            .map(|(&n, v)| (kind.label(v), n))
            .collect()
    };
    Ok(Cell::Shown(Figures {
        count,
        mean,
        distribution,
    }))
}

/// A team's free text for a question, shuffled (Fisher-Yates).
fn texts_of(
    inputs: &Inputs<'_>,
    question: &str,
    team: &str,
    period_at: &HashMap<&str, usize>,
    rng: &mut dyn RandomSource,
) -> Result<Vec<String>, EngineError> {
    let mut texts: Vec<String> = inputs
        .texts
        .iter()
        .filter(|t| {
            t.question == question && t.team == team && period_at.contains_key(t.period.as_str())
        })
        .map(|t| t.text.clone())
        .collect();
    shuffle(&mut texts, rng)?;
    Ok(texts)
}

/// Shuffles `items` uniformly.
pub fn shuffle<T>(items: &mut [T], rng: &mut dyn RandomSource) -> Result<(), EngineError> {
    for i in (1..items.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)?).unwrap_or(0);
        items.swap(i, j);
    }
    Ok(())
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
