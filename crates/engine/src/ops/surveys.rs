//! Anonymous surveys: create, open (issue every member's token at once),
//! answer with a token alone, close, and read suppressed results. What is
//! stored, logged and audited is chosen so that nothing ties an answer to
//! a member (see the `survey` module and ARCHITECTURE.md).

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{SubjectId, SurveyId, TenantId};
use crate::principal::{Act, Principal};
use crate::store::{Change, StoreError, Write};
use crate::survey::answer::{self, AnswerValue};
use crate::survey::definition::RawSurvey;
use crate::survey::noise::{self, OsRandom};
use crate::survey::results::{self, Inputs, OpenedText, SurveyResults};
use crate::survey::token::{self, ParsedToken, SECRET_BYTES};
use crate::survey::{
    AnswerRow, LIVE_MEMBERS, MemberRow, SealedTextRow, StoredValue, SurveyDefinition, SurveyError,
    SurveyRow, SurveyState, SurveyWrite, TokenRow, period_ended, period_of,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One member's token, returned once to the product for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The member.
    pub subject: SubjectId,
    /// The token; Tutela keeps only its keyed hash, with no member.
    pub token: String,
}

/// A survey as stored, parsed.
#[derive(Debug, Clone)]
pub struct SurveyView {
    /// The stored row.
    pub row: SurveyRow,
    /// The definition, members included.
    pub definition: SurveyDefinition,
}

/// Most free-text answers one read opens.
const MAX_TEXTS: u32 = 100_000;

/// The associated data binding a sealed text to its survey and question.
fn text_aad(tenant: &TenantId, survey: SurveyId, question: &str) -> Vec<u8> {
    format!("survey-text/{tenant}/{survey}/{question}").into_bytes()
}

fn absent(err: StoreError, what: &'static str, then: SurveyError) -> EngineError {
    match err {
        StoreError::Missing { what: LIVE_MEMBERS } => SurveyError::MemberUnavailable.into(),
        StoreError::Missing { what: w } if w == what => then.into(),
        other => other.into(),
    }
}

impl Engine {
    /// A survey step's change: its writes and one allowed audit entry
    /// about no subject (a survey's entries carry counts only).
    fn survey_change(
        &self,
        who: &Principal,
        writes: Vec<Write>,
        action: Action,
        detail: String,
    ) -> Change {
        self.survey_change_for(who, writes, action, detail, None)
    }

    /// [`Self::survey_change`] whose entry names the survey's purpose.
    fn survey_change_for(
        &self,
        who: &Principal,
        writes: Vec<Write>,
        action: Action,
        detail: String,
        purpose: Option<&tutela_policy::PurposeId>,
    ) -> Change {
        let purpose = purpose.map(tutela_policy::PurposeId::as_str);
        let event = self.event(who, action, purpose, None, detail, Outcome::Allowed);
        Change {
            writes,
            audit: vec![event],
        }
    }

    /// Commits a survey step; the store's "`what` is missing" becomes
    /// `then` (the step lost to the survey's state).
    async fn commit_step(
        &self,
        tenant: &TenantId,
        change: Change,
        what: &'static str,
        then: SurveyError,
    ) -> Result<(), EngineError> {
        self.commit(tenant, change).await.map_err(|e| match e {
            EngineError::Storage(err) => absent(err, what, then),
            other => other,
        })
    }

    /// Creates a survey in the draft state. Members must be subjects of the
    /// caller's tenant whom the survey's purpose may process.
    pub async fn create_survey(
        &self,
        who: &Principal,
        raw: &RawSurvey,
    ) -> Result<SurveyId, EngineError> {
        self.authorize(who, Act::ManageSurveys, Action::SurveyCreate, None, None)
            .await?;
        let definition = SurveyDefinition::parse(raw)?;
        let (purpose, _) = self.check_survey_purpose(who, &definition).await?;
        let id = SurveyId::new();
        let stored = serde_json::to_string(&definition.to_raw_without_members())
            .map_err(|_| EngineError::Render)?;
        let members = definition
            .teams
            .iter()
            .flat_map(|t| {
                t.members.iter().map(|m| MemberRow {
                    subject: *m,
                    team: t.key.clone(),
                    issued: false,
                })
            })
            .collect();
        let row = SurveyRow {
            tenant: who.tenant.clone(),
            id,
            definition: stored,
            state: SurveyState::Draft,
            min_group_size: None,
            noise: None,
            noise_spent_millis: 0,
            created_at: self.clock.now(),
        };
        let detail = format!(
            "survey={id} questions={} teams={} members={}",
            definition.questions.len(),
            definition.teams.len(),
            definition.member_count()
        );
        let change = self.survey_change_for(
            who,
            vec![Write::Survey(SurveyWrite::Insert { row, members })],
            Action::SurveyCreate,
            detail,
            Some(&purpose),
        );
        match self.commit(&who.tenant, change).await {
            Err(EngineError::Storage(StoreError::Missing { what: "subject" })) => Err(
                SurveyError::invalid("teams", "a member is not a subject of this tenant").into(),
            ),
            Err(EngineError::Storage(StoreError::Missing { what: LIVE_MEMBERS })) => {
                Err(SurveyError::MemberUnavailable.into())
            }
            other => other.map(|()| id),
        }
    }

    /// The survey `id` of `tenant` with its members.
    pub(crate) async fn load_survey(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<SurveyView, EngineError> {
        let row = self
            .store
            .survey(tenant, id)
            .await?
            .ok_or(SurveyError::NotFound)?;
        let mut raw: RawSurvey =
            serde_json::from_str(&row.definition).map_err(|_| EngineError::Unreadable)?;
        let members = self.store.survey_members(tenant, id).await?;
        for team in &mut raw.teams {
            team.members = members
                .iter()
                .filter(|m| m.team.as_str() == team.key)
                .map(|m| m.subject)
                .collect();
        }
        let definition = SurveyDefinition::parse(&raw).map_err(|_| EngineError::Unreadable)?;
        let mut row = row;
        // Past its closing time a survey is closed, whether or not anyone
        // has closed it: every view says so, as answering already does.
        if row.state == SurveyState::Open && self.clock.now() >= definition.closes_at {
            row.state = SurveyState::Closed;
        }
        Ok(SurveyView { row, definition })
    }

    /// A survey's definition and state, for the keys that manage or read
    /// it.
    pub async fn survey(&self, who: &Principal, id: SurveyId) -> Result<SurveyView, EngineError> {
        self.authorize(
            who,
            Act::ReadSurveyResults,
            Action::SurveyResults,
            None,
            None,
        )
        .await?;
        self.load_survey(&who.tenant, id).await
    }

    /// Opens a draft survey: fixes the minimum group size (and noise) from
    /// the current policy, and issues every member's token in one commit,
    /// stored as keyed hashes in random order with no member column.
    /// Returns each member's token, once. Members cannot be added later.
    pub async fn open_survey(
        &self,
        who: &Principal,
        id: SurveyId,
    ) -> Result<Vec<IssuedToken>, EngineError> {
        self.authorize(who, Act::ManageSurveys, Action::SurveyOpen, None, None)
            .await?;
        let view = self.load_survey(&who.tenant, id).await?;
        match view.row.state {
            SurveyState::Draft => {}
            SurveyState::Open => return Err(SurveyError::AlreadyOpen.into()),
            SurveyState::Closed => return Err(SurveyError::Closed.into()),
        }
        if self.clock.now() >= view.definition.closes_at {
            return Err(SurveyError::Closed.into());
        }
        // Consents and objections may have changed since the draft.
        let (purpose, policy) = self.check_survey_purpose(who, &view.definition).await?;
        let min = policy.anonymity.min_group_size;
        check_team_sizes(&view.definition, min)?;
        let (issued, mut tokens) = self.draw_tokens(&who.tenant, id, &view.definition)?;
        results::shuffle(&mut tokens, &mut OsRandom)?;
        let detail = format!("survey={id} tokens={} min_group_size={min}", issued.len());
        let open = Write::Survey(SurveyWrite::Open {
            survey: id,
            min_group_size: min,
            noise: policy.anonymity.noise,
            tokens,
        });
        let change =
            self.survey_change_for(who, vec![open], Action::SurveyOpen, detail, Some(&purpose));
        self.commit_step(&who.tenant, change, "survey", SurveyError::AlreadyOpen)
            .await?;
        Ok(issued)
    }

    fn draw_tokens(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        def: &SurveyDefinition,
    ) -> Result<(Vec<IssuedToken>, Vec<TokenRow>), EngineError> {
        let mut issued = Vec::with_capacity(def.member_count());
        let mut rows = Vec::with_capacity(def.member_count());
        for team in &def.teams {
            for member in &team.members {
                let secret = tutela_vault::try_random_secret(SECRET_BYTES)
                    .map_err(|_| EngineError::RandomnessUnavailable)?;
                rows.push(TokenRow {
                    team: team.key.clone(),
                    hash: token::hash_secret(&self.master, tenant, &secret),
                });
                issued.push(IssuedToken {
                    subject: *member,
                    token: token::compose(tenant, id, &secret),
                });
            }
        }
        Ok((issued, rows))
    }

    /// Takes an answer given with a participation token and nothing else.
    /// The answer is checked whole first; a bad one stores nothing and
    /// leaves the token unspent. Nothing of it is logged or audited.
    pub async fn submit_survey_answer(
        &self,
        token: &str,
        given: &BTreeMap<String, Value>,
    ) -> Result<(), EngineError> {
        let parsed = ParsedToken::parse(token).ok_or(SurveyError::TokenUnknown)?;
        let (tenant, id) = (parsed.tenant.clone(), parsed.survey);
        let view = match self.load_survey(&tenant, id).await {
            Err(EngineError::Survey(SurveyError::NotFound)) => {
                return Err(SurveyError::TokenUnknown.into());
            }
            other => other?,
        };
        // The answer is checked against the questions before the token is
        // looked up, so a bad answer gets the same refusal whether or not
        // the token was spent: whoever holds the member-to-token list must
        // not learn who answered by sending bad answers.
        let answer = answer::parse(&view.definition, given)?;
        // The survey's state is said before the token is looked up, and
        // the same for every token naming the survey: once it has closed,
        // a spent token, an unspent one and a made-up one all get
        // `E_SURVEY_CLOSED`. Checked the other way round, whoever holds the
        // member-to-token list could tell after closing who had answered
        // (the spent tokens were unknown, the others closed). Whether a
        // survey is open is not personal; who took part is.
        let now = self.clock.now();
        match view.row.state {
            SurveyState::Draft => return Err(SurveyError::TokenUnknown.into()),
            SurveyState::Closed => return Err(SurveyError::Closed.into()),
            SurveyState::Open if now >= view.definition.closes_at => {
                return Err(SurveyError::Closed.into());
            }
            SurveyState::Open if now < view.definition.opens_at => {
                return Err(SurveyError::NotOpen.into());
            }
            SurveyState::Open => {}
        }
        let hash = parsed.hash(&self.master);
        let token_row = self
            .store
            .survey_token(&tenant, id, &hash)
            .await?
            .ok_or(SurveyError::TokenUnknown)?;
        let period = period_of(now);
        let key = self
            .master
            .survey_text_key(tenant.as_str(), &id.to_string());
        let mut rows = Vec::with_capacity(answer.values.len());
        for (question, value) in answer.values {
            let value = match value {
                AnswerValue::Number(n) => StoredValue::Number(n),
                AnswerValue::Text(text) => StoredValue::Sealed(
                    key.try_seal(text.as_bytes(), &text_aad(&tenant, id, question.as_str()))
                        .map_err(|_| EngineError::RandomnessUnavailable)?,
                ),
            };
            rows.push(AnswerRow {
                id: tutela_vault::try_random_bytes::<16>()
                    .map_err(|_| EngineError::RandomnessUnavailable)?,
                team: token_row.team.clone(),
                period: period.clone(),
                question,
                value,
            });
        }
        // No audit event: an entry per answer would carry a time and a
        // place in the chain, the very order this design keeps out of the
        // database. Participation is on the chain as counts, at opening.
        let change = Change {
            writes: vec![Write::Survey(SurveyWrite::Submit {
                survey: id,
                token_hash: hash,
                answers: rows,
            })],
            audit: Vec::new(),
        };
        self.commit(&tenant, change).await.map_err(|e| match e {
            EngineError::Storage(err) => absent(err, "token", SurveyError::TokenUnknown),
            other => other,
        })
    }

    /// Closes a survey: no more answers; its tokens become worthless.
    pub async fn close_survey(&self, who: &Principal, id: SurveyId) -> Result<(), EngineError> {
        self.authorize(who, Act::ManageSurveys, Action::SurveyClose, None, None)
            .await?;
        if self.store.survey(&who.tenant, id).await?.is_none() {
            return Err(SurveyError::NotFound.into());
        }
        let participation = self.store.survey_participation(&who.tenant, id).await?;
        let issued: u64 = participation.iter().map(|p| p.issued).sum();
        let unspent: u64 = participation.iter().map(|p| p.unspent).sum();
        let detail = format!(
            "survey={id} issued={issued} responded={}",
            issued.saturating_sub(unspent)
        );
        let change = self.survey_change(
            who,
            vec![Write::Survey(SurveyWrite::Close { survey: id })],
            Action::SurveyClose,
            detail,
        );
        self.commit_step(&who.tenant, change, "survey", SurveyError::Closed)
            .await?;
        self.store.settle_survey_answers().await?;
        Ok(())
    }

    /// A survey's results: periods that have ended (every period once the
    /// survey is closed), withheld cells said to be withheld, and noise
    /// when the survey's policy asked for it, spending ε from its budget.
    pub async fn survey_results(
        &self,
        who: &Principal,
        id: SurveyId,
    ) -> Result<(SurveyResults, SurveyRow), EngineError> {
        self.authorize(
            who,
            Act::ReadSurveyResults,
            Action::SurveyResults,
            None,
            None,
        )
        .await?;
        let view = self.load_survey(&who.tenant, id).await?;
        let Some(min) = view.row.min_group_size else {
            return Err(SurveyError::NotOpen.into());
        };
        let tenant = &who.tenant;
        let tallies = self.store.survey_tallies(tenant, id).await?;
        let sealed = self.store.survey_texts(tenant, id, MAX_TEXTS).await?;
        let participation = self.store.survey_participation(tenant, id).await?;
        let now = self.clock.now();
        let closed = view.row.state == SurveyState::Closed || now >= view.definition.closes_at;
        let shown = |p: &str| closed || period_ended(p, now);
        let periods: Vec<String> = tallies
            .iter()
            .map(|t| t.period.as_str())
            .chain(sealed.iter().map(|t| t.period.as_str()))
            .filter(|p| shown(p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let texts = self.open_texts(tenant, id, &sealed)?;
        let mut row = view.row.clone();
        let mut detail = format!("survey={id} periods={}", periods.len());
        let mut writes = Vec::new();
        // Only a read that publishes noisy figures spends: with no period
        // to show yet (an open survey in its first week), it gives the
        // response rate alone, which carries no noise.
        if let Some(noise) = row.noise.filter(|_| !periods.is_empty()) {
            writes.push(Write::Survey(SurveyWrite::SpendBudget {
                survey: id,
                millis: noise.epsilon_millis,
            }));
            row.noise_spent_millis = row.noise_spent_millis.saturating_add(noise.epsilon_millis);
            detail.push_str(&format!(" epsilon_millis={}", noise.epsilon_millis));
        }
        let change = self.survey_change(who, writes, Action::SurveyResults, detail);
        self.commit_step(
            tenant,
            change,
            "privacy budget",
            SurveyError::BudgetExhausted,
        )
        .await?;
        let inputs = Inputs {
            definition: &view.definition,
            min_group_size: min,
            periods: &periods,
            tallies: &tallies,
            texts: &texts,
            participation: &participation,
            // Under noise no free text is listed: a list of answers gives
            // its exact length, the very count the noise is there to hide.
            publish_texts: row.noise.is_none(),
        };
        // With no period to show there is nothing to add noise to: the
        // empty cells are said to be empty, not filled with noise.
        let results = match row.noise.filter(|_| !periods.is_empty()) {
            None => results::compute(&inputs, None, &mut OsRandom)?,
            Some(n) => {
                let (s, t) = noise_scale(&view.definition, n.epsilon_millis);
                let mut rng = OsRandom;
                let mut add = |count: u64| noise::noisy_count(&mut rng, count, s, t);
                results::compute(&inputs, Some(&mut add), &mut OsRandom)?
            }
        };
        Ok((results, row))
    }

    fn open_texts(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        sealed: &[SealedTextRow],
    ) -> Result<Vec<OpenedText>, EngineError> {
        let key = self
            .master
            .survey_text_key(tenant.as_str(), &id.to_string());
        sealed
            .iter()
            .map(|s| {
                let plain = key
                    .open(&s.sealed, &text_aad(tenant, id, &s.question))
                    .map_err(|_| EngineError::Unreadable)?;
                Ok(OpenedText {
                    team: s.team.clone(),
                    period: s.period.clone(),
                    question: s.question.clone(),
                    text: String::from_utf8_lossy(&plain).into_owned(),
                })
            })
            .collect()
    }
}

/// Refuses to open a survey whose team (one with members) is smaller than
/// the minimum group size: its results could never be shown.
fn check_team_sizes(def: &SurveyDefinition, min: u32) -> Result<(), SurveyError> {
    let min_members = usize::try_from(min).unwrap_or(usize::MAX);
    for team in &def.teams {
        let leaf = !def
            .teams
            .iter()
            .any(|t| t.parent.as_ref() == Some(&team.key));
        if leaf && team.members.len() < min_members {
            return Err(SurveyError::TeamTooSmall {
                team: team.key.to_string(),
                members: team.members.len(),
                min,
            });
        }
    }
    Ok(())
}

/// The discrete Laplace parameters `(s, t)` for one read spending
/// `epsilon_millis`: one member changes one answer per question, which
/// moves two buckets of each histogram it is counted in (its team and each
/// ancestor, per period and in the total), so the L1 sensitivity of a read
/// is `Δ = 2 · 2 · depth · questions` and the noise is `Lap(Δ / ε)`.
pub fn noise_scale(def: &SurveyDefinition, epsilon_millis: u32) -> (u64, u64) {
    let depth = def
        .teams
        .iter()
        .map(|t| {
            let mut d = 2u64;
            let mut parent = t.parent.as_ref();
            while let Some(p) = parent {
                d += 1;
                parent = def
                    .teams
                    .iter()
                    .find(|x| &x.key == p)
                    .and_then(|x| x.parent.as_ref());
            }
            d
        })
        .max()
        .unwrap_or(2);
    let questions = u64::try_from(def.questions.len()).unwrap_or(u64::MAX);
    let sensitivity = 4u64.saturating_mul(depth).saturating_mul(questions);
    (u64::from(epsilon_millis), sensitivity.saturating_mul(1000))
}
