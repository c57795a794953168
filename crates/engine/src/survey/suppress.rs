//! Which cells of a survey's results are withheld (Recital 26: a group
//! small enough to single someone out is not shown), and which further
//! cells are withheld so that no withheld one can be computed back by
//! subtraction (complementary suppression).
//!
//! Results form a grid per question: one row per cohort node (the
//! organisation, its teams and sub-teams, each counting its descendants),
//! one column per ended period, and the cumulative total up to each period.
//! Every published figure (count, value sums, distribution) is linear in
//! the answers, so the grid satisfies these equations:
//! - a node equals the sum of its children, in every column (organisation
//!   minus the other teams; a parent team minus its sub-teams, which is
//!   how two nested, overlapping cohorts would leak);
//! - the total up to period `k` equals the total up to `k - 1` plus period
//!   `k` (this period minus the last).
//!
//! An equation with exactly one withheld term gives that term away, so a
//! second term is withheld too, preferring the smallest part. Totals of
//! earlier periods were published by earlier reads, so each period is
//! decided in turn with the earlier decisions fixed: a later read never
//! withholds what an earlier one showed, and never shows what combines
//! with an earlier one to reveal a withheld cell. The whole decision is
//! pure and deterministic, so the same answers always give the same grid.

/// Why a cell is withheld, as the results say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Fewer answers than the survey's minimum group size.
    BelowMinimum,
    /// Shown, it would let a withheld cell be computed by subtraction.
    Complementary,
}

impl Reason {
    /// The stable name in results (`withheld: "below_minimum"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BelowMinimum => "below_minimum",
            Self::Complementary => "complementary",
        }
    }
}

/// Whether one cell is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Shown (a cell with no answer is shown too: it reveals nothing).
    Published,
    /// Withheld, and why.
    Withheld(Reason),
}

/// The cohort nodes as a tree: `children[n]` are node `n`'s direct
/// children. Node 0 is the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    children: Vec<Vec<usize>>,
}

impl Tree {
    /// A tree from each node's parent (`None` for the root only); `None`
    /// if a parent is out of range or not earlier in the list, which rules
    /// out cycles.
    pub fn from_parents(parents: &[Option<usize>]) -> Option<Self> {
        let mut children = vec![Vec::new(); parents.len()];
        for (node, parent) in parents.iter().enumerate() {
            match parent {
                None if node == 0 => {}
                Some(p) if *p < node => children.get_mut(*p)?.push(node),
                _ => return None,
            }
        }
        Some(Self { children })
    }

    /// The organisation with `teams` teams directly under it.
    pub fn flat(teams: usize) -> Self {
        let mut children = vec![Vec::new(); teams + 1];
        if let Some(root) = children.first_mut() {
            root.extend(1..=teams);
        }
        Self { children }
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True for a tree without nodes (never built by [`Tree::from_parents`]
    /// with a root).
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Node `n`'s children.
    pub fn children(&self, n: usize) -> &[usize] {
        self.children.get(n).map_or(&[], Vec::as_slice)
    }
}

/// The decision for one question's grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// `per_period[node][k]`: the node's cell for period `k`.
    pub per_period: Vec<Vec<Status>>,
    /// `total[node]`: the node's cumulative cell over every period.
    pub total: Vec<Status>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Period,
    Cumulative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    col: Col,
    node: usize,
    k: usize,
}

#[derive(Debug, Clone, Copy)]
struct State {
    count: u64,
    status: Status,
    /// Fixed: decided by an earlier period, or known anyway.
    pinned: bool,
}

struct Work {
    period: Vec<Vec<State>>,
    cumulative: Vec<Vec<State>>,
}

impl Work {
    fn get(&self, c: Cell) -> Option<&State> {
        let grid = match c.col {
            Col::Period => &self.period,
            Col::Cumulative => &self.cumulative,
        };
        grid.get(c.node)?.get(c.k)
    }

    fn get_mut(&mut self, c: Cell) -> Option<&mut State> {
        let grid = match c.col {
            Col::Period => &mut self.period,
            Col::Cumulative => &mut self.cumulative,
        };
        grid.get_mut(c.node)?.get_mut(c.k)
    }
}

/// One linear relation: `sum` equals the sum of `parts`.
struct Equation {
    sum: Cell,
    parts: Vec<Cell>,
}

fn first_status(count: u64, min: u64) -> Status {
    if count == 0 || count >= min {
        Status::Published
    } else {
        Status::Withheld(Reason::BelowMinimum)
    }
}

/// Cells to withhold whatever their count, because another question of
/// the survey withholds them: the questions share their respondents, so a
/// cell one question shows could give away the same cell another hides
/// (everyone answers a required question, some an optional one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forced {
    /// `per_period[node][k]`.
    pub per_period: Vec<Vec<bool>>,
    /// `total[node]`.
    pub total: Vec<bool>,
}

impl Forced {
    /// Whether the cell of `node` in period `k` (the total when `total`)
    /// is forced.
    fn holds(&self, node: usize, k: usize, total: bool) -> bool {
        if total {
            self.total.get(node).copied().unwrap_or(false)
        } else {
            self.per_period
                .get(node)
                .and_then(|r| r.get(k))
                .copied()
                .unwrap_or(false)
        }
    }

    /// Adds every cell `grid` withholds; true if any was new.
    pub fn absorb(&mut self, grid: &Grid) -> bool {
        let mut grew = false;
        let hidden = |s: &Status| matches!(s, Status::Withheld(_));
        self.per_period.resize(grid.per_period.len(), Vec::new());
        for (mine, theirs) in self.per_period.iter_mut().zip(&grid.per_period) {
            mine.resize(theirs.len(), false);
            for (m, t) in mine.iter_mut().zip(theirs) {
                if hidden(t) && !*m {
                    *m = true;
                    grew = true;
                }
            }
        }
        self.total.resize(grid.total.len(), false);
        for (m, t) in self.total.iter_mut().zip(&grid.total) {
            if hidden(t) && !*m {
                *m = true;
                grew = true;
            }
        }
        grew
    }
}

/// Decides the grid. `counts[node][k]` is the number of answers of node
/// `node` (its descendants included) in period `k`; every row must have
/// the same length. `min` is the survey's minimum group size.
pub fn suppress(tree: &Tree, counts: &[Vec<u64>], min: u64) -> Grid {
    suppress_with(tree, counts, min, &Forced::default())
}

/// [`suppress`], with the cells `forced` names withheld as well, empty
/// ones included (a zero in one question next to a withheld cell in
/// another still says something of that team), and protected like the
/// rest.
pub fn suppress_with(tree: &Tree, counts: &[Vec<u64>], min: u64, forced: &Forced) -> Grid {
    let periods = counts.first().map_or(0, Vec::len);
    let blank = State {
        count: 0,
        status: Status::Published,
        pinned: true,
    };
    let mut work = Work {
        period: vec![vec![blank; periods]; counts.len()],
        cumulative: vec![vec![blank; periods]; counts.len()],
    };
    for k in 0..periods {
        for (node, row) in counts.iter().enumerate() {
            let count = row.get(k).copied().unwrap_or(0);
            let before = match k.checked_sub(1) {
                Some(prev) => work.cumulative.get(node).and_then(|r| r.get(prev)),
                None => None,
            }
            .map_or(0, |s| s.count);
            let last = k + 1 == periods;
            for (col, count) in [(Col::Period, count), (Col::Cumulative, before + count)] {
                let force = match col {
                    Col::Period => forced.holds(node, k, false),
                    Col::Cumulative => last && forced.holds(node, k, true),
                };
                let status = match first_status(count, min) {
                    Status::Published if force => Status::Withheld(Reason::Complementary),
                    other => other,
                };
                if let Some(state) = work.get_mut(Cell { col, node, k }) {
                    *state = State {
                        count,
                        status,
                        pinned: count == 0,
                    };
                }
            }
        }
        let equations = equations(tree, counts.len(), k);
        settle(&mut work, &equations);
        for grid in [&mut work.period, &mut work.cumulative] {
            for row in grid.iter_mut() {
                if let Some(state) = row.get_mut(k) {
                    state.pinned = true;
                }
            }
        }
    }
    let status = |row: &Vec<State>| row.iter().map(|s| s.status).collect::<Vec<_>>();
    Grid {
        per_period: work.period.iter().map(status).collect(),
        total: work
            .cumulative
            .iter()
            .map(|row| row.last().map_or(Status::Published, |s| s.status))
            .collect(),
    }
}

/// The relations that involve period `k`'s cells.
fn equations(tree: &Tree, nodes: usize, k: usize) -> Vec<Equation> {
    let mut out = Vec::new();
    for node in 0..nodes {
        let kids = tree.children(node);
        if !kids.is_empty() {
            for col in [Col::Period, Col::Cumulative] {
                out.push(Equation {
                    sum: Cell { col, node, k },
                    parts: kids.iter().map(|&c| Cell { col, node: c, k }).collect(),
                });
            }
        }
        let mut parts = vec![Cell {
            col: Col::Period,
            node,
            k,
        }];
        if let Some(prev) = k.checked_sub(1) {
            parts.push(Cell {
                col: Col::Cumulative,
                node,
                k: prev,
            });
        }
        out.push(Equation {
            sum: Cell {
                col: Col::Cumulative,
                node,
                k,
            },
            parts,
        });
    }
    out
}

/// Withholds complementary cells until no equation has exactly one
/// withheld term. Ends: every round withholds or pins one more cell.
fn settle(work: &mut Work, equations: &[Equation]) {
    loop {
        let mut changed = false;
        for eq in equations {
            changed |= protect(work, eq);
        }
        if !changed {
            return;
        }
    }
}

fn withheld(work: &Work, c: Cell) -> bool {
    work.get(c)
        .is_some_and(|s| matches!(s.status, Status::Withheld(_)))
}

fn choosable(work: &Work, c: Cell) -> Option<u64> {
    work.get(c)
        .filter(|s| !s.pinned && s.status == Status::Published && s.count > 0)
        .map(|s| s.count)
}

/// Fixes one equation if it gives a cell away; true if anything changed.
fn protect(work: &mut Work, eq: &Equation) -> bool {
    let terms: Vec<Cell> = std::iter::once(eq.sum)
        .chain(eq.parts.iter().copied())
        .collect();
    let hidden: Vec<Cell> = terms
        .iter()
        .copied()
        .filter(|c| withheld(work, *c))
        .collect();
    let [only] = hidden.as_slice() else {
        return false;
    };
    let part = eq
        .parts
        .iter()
        .filter_map(|c| choosable(work, *c).map(|n| (n, *c)))
        .min_by_key(|(n, _)| *n)
        .map(|(_, c)| c);
    let pick = part.or_else(|| choosable(work, eq.sum).map(|_| eq.sum));
    if let Some(cell) = pick.and_then(|c| work.get_mut(c)) {
        cell.status = Status::Withheld(Reason::Complementary);
        return true;
    }
    // Nothing left to withhold: the cell is known from cells already shown
    // (a period with no answer leaves a total unchanged). A cell withheld
    // only to protect another is shown then, and its equations settle
    // again; a cell below the minimum can never be known this way, since
    // every equation holding one has a cell of this period to withhold.
    match work.get_mut(*only) {
        Some(s) if s.status == Status::Withheld(Reason::Complementary) => {
            s.status = Status::Published;
            s.pinned = true;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "suppress_tests.rs"]
mod tests;
