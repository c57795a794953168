//! The kinds of policy change, each with a stable machine code and its
//! classification: material (subjects must be told before it applies,
//! Art. 13(3)) or editorial (it may apply at once).

use serde::{Serialize, Serializer};

macro_rules! kinds {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $material:literal; )*) => {
        /// What kind of change one [`Change`](super::Change) is.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ChangeKind {
            $( $(#[$doc])* $name, )*
        }

        impl ChangeKind {
            /// Every kind, for documentation and tests.
            pub const ALL: &'static [ChangeKind] = &[$(Self::$name),*];

            /// The stable machine code (`purpose_added`).
            pub fn code(self) -> &'static str {
                match self { $( Self::$name => $code, )* }
            }

            /// Whether subjects must be told before the change applies.
            pub fn is_material(self) -> bool {
                match self { $( Self::$name => $material, )* }
            }
        }
    };
}

kinds! {
    /// A new purpose: data is used for something it was not before.
    PurposeAdded = "purpose_added", true;
    /// A purpose may use a category it could not use before.
    PurposeCategoryAdded = "purpose_category_added", true;
    /// A purpose now covers kinds of people it did not cover before (its
    /// `subject_kinds` gained one or were dropped, or a kind was declared
    /// that a purpose without `subject_kinds` covers): new people's data
    /// is used for it (Art. 13(3), 5(1)(b)).
    PurposeSubjectKindsWidened = "purpose_subject_kinds_widened", true;
    /// A purpose covers fewer kinds of people.
    PurposeSubjectKindsNarrowed = "purpose_subject_kinds_narrowed", false;
    /// A purpose discloses to a recipient it did not disclose to before.
    PurposeRecipientAdded = "purpose_recipient_added", true;
    /// A purpose rests on another legal basis (Art. 6(1)).
    BasisChanged = "basis_changed", true;
    /// A consent-based purpose covers more than people agreed to (Art. 4(11)).
    ConsentScopeWidened = "consent_scope_widened", true;
    /// A consent lasts longer, or no longer expires.
    ConsentValidityLonger = "consent_validity_longer", true;
    /// A purpose now profiles people (Art. 4(4), 22).
    PurposeProfilingOn = "purpose_profiling_on", true;
    /// A purpose now sends advertising (Art. 21(2)).
    DirectMarketingOn = "direct_marketing_on", true;
    /// A purpose now sells or shares data (CCPA/CPRA).
    SaleOrSharingOn = "sale_or_sharing_on", true;
    /// A purpose is no longer declared as direct marketing: an objection
    /// to another purpose no longer stops it (Art. 21(2)-(3)), nor does a
    /// Global Privacy Control signal. The processing described stays, so
    /// people hear of it first.
    DirectMarketingOff = "direct_marketing_off", true;
    /// A purpose is no longer declared as selling or sharing data: a
    /// Global Privacy Control signal no longer objects to it.
    SaleOrSharingOff = "sale_or_sharing_off", true;
    /// A purpose now markets to customers without prior consent.
    SoftOptInOn = "soft_opt_in_on", true;
    /// A purpose now counts people in reports and rankings (Art. 21(1)).
    ReportingOn = "reporting_on", true;
    /// A purpose's anonymised export now goes to a recipient it did not go to before.
    ExportRecipientAdded = "export_recipient_added", true;
    /// A purpose becomes a condition of the service.
    PurposeMadeEssential = "purpose_made_essential", true;
    /// The policy now declares profiling (Art. 13(2)(f)).
    ProfilingOn = "profiling_on", true;
    /// A recipient now receives data outside the EEA (Chapter V).
    TransferAdded = "transfer_added", true;
    /// The safeguard for a transfer outside the EEA changed (Art. 46).
    TransferSafeguardChanged = "transfer_safeguard_changed", true;
    /// A recipient's role changed (processor, controller, ...).
    RecipientRoleChanged = "recipient_role_changed", true;
    /// Data may be kept longer than before.
    RetentionLonger = "retention_longer", true;
    /// Material changes would be announced less far ahead: itself a
    /// material change, or a version could shorten the notice at once and
    /// the next one skip it (Art. 13(3)).
    NoticePeriodShortened = "notice_period_shortened", true;
    /// The moment a retention period starts changed, and the new one is not provably earlier.
    RetentionAnchorChanged = "retention_anchor_changed", true;
    /// A category lost its retention rule: it is kept until erased.
    RetentionRemoved = "retention_removed", true;
    /// Data only processed in passing may now be stored.
    CategoryNowStored = "category_now_stored", true;
    /// A category became an identifier: people are now found (and told
    /// apart) by its value, which links their records (Art. 13(1)(c)).
    CategoryNowIdentifier = "category_now_identifier", true;
    /// A statutory hold now keeps data that could be erased before.
    HoldAdded = "hold_added", true;
    /// A statutory hold keeps data longer.
    HoldLonger = "hold_longer", true;
    /// Smaller groups' results may be shown (Recital 26).
    MinGroupSizeLowered = "min_group_size_lowered", true;
    /// Survey figures lost their noise, or each read now spends more ε or a
    /// survey may spend more in all: figures are less private.
    NoiseWeakened = "noise_weakened", true;
    /// Survey figures gained noise, or spend less ε.
    NoiseStrengthened = "noise_strengthened", false;
    /// The product's name changed.
    NameChanged = "name_changed", false;
    /// The hosting description changed. It is free text, so whether the
    /// data moved out of the EEA (Art. 13(1)(f), 44) cannot be told from
    /// it: material, so people hear of it before it applies.
    HostingChanged = "hosting_changed", true;
    /// The controller's contact details changed.
    ControllerChanged = "controller_changed", false;
    /// The controller's name changed: who is responsible for the data
    /// (Art. 13(1)(a)) may be another company now.
    ControllerRenamed = "controller_renamed", true;
    /// The DPO or their contact details changed.
    DpoChanged = "dpo_changed", false;
    /// The supervisory authority's details changed.
    AuthorityChanged = "authority_changed", false;
    /// A category was declared (its use is a purpose change).
    CategoryAdded = "category_added", false;
    /// A category was removed.
    CategoryRemoved = "category_removed", false;
    /// A category's description or taxonomy key changed.
    CategoryDescribed = "category_described", false;
    /// A category is no longer stored.
    CategoryStorageNarrowed = "category_storage_narrowed", false;
    /// A category is no longer an identifier: nobody is found by it.
    CategoryNoLongerIdentifier = "category_no_longer_identifier", false;
    /// A kind of subject was added, removed or described anew.
    SubjectKindChanged = "subject_kind_changed", false;
    /// A purpose was removed: its processing stops.
    PurposeRemoved = "purpose_removed", false;
    /// A purpose's description changed.
    PurposeDescribed = "purpose_described", false;
    /// A purpose no longer uses a category.
    PurposeCategoryRemoved = "purpose_category_removed", false;
    /// A purpose no longer discloses to a recipient.
    PurposeRecipientRemoved = "purpose_recipient_removed", false;
    /// A consent now expires sooner.
    ConsentValidityShorter = "consent_validity_shorter", false;
    /// A purpose stopped profiling, marketing, selling or being essential.
    PurposeFlagOff = "purpose_flag_off", false;
    /// The policy no longer declares profiling.
    ProfilingOff = "profiling_off", false;
    /// A recipient was declared (its use is a purpose change).
    RecipientAdded = "recipient_added", false;
    /// A recipient was removed.
    RecipientRemoved = "recipient_removed", false;
    /// A recipient's name changed: the name says who receives the data
    /// (Art. 13(1)(e)), and a new name may be another company.
    RecipientRenamed = "recipient_renamed", true;
    /// A recipient moved within the EEA or back into it.
    RecipientCountryChanged = "recipient_country_changed", false;
    /// A recipient inside the EEA names another safeguard (none is needed there).
    SafeguardChanged = "safeguard_changed", false;
    /// Data is kept for a shorter time.
    RetentionShorter = "retention_shorter", false;
    /// A category that had no retention rule got one.
    RetentionAdded = "retention_added", false;
    /// What happens at the end of a retention period changed.
    DisposalChanged = "disposal_changed", false;
    /// A statutory hold was removed or shortened, or names another law.
    HoldNarrowed = "hold_narrowed", false;
    /// Larger groups are now required for results.
    MinGroupSizeRaised = "min_group_size_raised", false;
    /// How requests are answered changed (deadlines stay within Art. 12(3)).
    RightsChanged = "rights_changed", false;
    /// The notice period for future changes changed.
    NoticePeriodChanged = "notice_period_changed", false;
}

impl Serialize for ChangeKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
