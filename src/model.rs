//! The ground floor: the words every layer shares, and nothing else. Which
//! page ([`Variant`]), which judging ([`ProfileId`]), which reading the
//! reference server implements ([`ServerVariant`]), how binding a fact is
//! ([`Level`]), what a check concluded ([`Verdict`]), and what each page
//! would have said of it ([`Alignment`], kept per page in [`PerVariant`]).
//! This module imports no other module of the crate.

use serde::{Deserialize, Serialize};

/// Declares a closed set of names with `name`, `ALL`, `parse` and `Display`.
macro_rules! named {
    ($(#[$meta:meta])* $kind:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $kind {
            $($(#[$vmeta])* $variant),+
        }

        impl $kind {
            pub const ALL: [$kind; [$($name),+].len()] = [$($kind::$variant),+];

            pub fn name(self) -> &'static str {
                match self {
                    $($kind::$variant => $name),+
                }
            }

            /// The value of that name (exact, lower case).
            pub fn parse(name: &str) -> Option<$kind> {
                $kind::ALL.into_iter().find(|v| v.name() == name)
            }
        }

        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named! {
    /// One documentation page.
    Variant {
        /// The English page of the create endpoint (the current contract).
        En = "en",
        /// Its Spanish translation: must say what `en` says.
        Es = "es",
        /// The older Markdown page of the create endpoint.
        Legacy = "legacy",
        /// The resource overview: four endpoints and an object shape.
        Overview = "overview",
    }
}

named! {
    /// What a run is judged by: one of the catalogue's profiles.
    ProfileId {
        /// en and es, then the overview for what they do not document.
        Current = "current",
        En = "en",
        Es = "es",
        Legacy = "legacy",
        Overview = "overview",
    }
}

named! {
    /// Which reading of the pages the reference server implements.
    ServerVariant {
        /// The en/es pages.
        Current = "current",
        /// The legacy page.
        Legacy = "legacy",
        /// Create as current; list, retrieve and sync answer the overview's object.
        Overview = "overview",
    }
}

named! {
    /// One phase of a run.
    Phase {
        /// The Gherkin scenarios.
        Scripted = "scripted",
        /// The property-generated cases.
        Generated = "generated",
    }
}

impl ProfileId {
    /// The profile that reads one page alone.
    pub fn of(variant: Variant) -> ProfileId {
        match variant {
            Variant::En => ProfileId::En,
            Variant::Es => ProfileId::Es,
            Variant::Legacy => ProfileId::Legacy,
            Variant::Overview => ProfileId::Overview,
        }
    }

    /// The reference server that implements what this profile judges by.
    pub fn server(self) -> ServerVariant {
        match self {
            ProfileId::Current | ProfileId::En | ProfileId::Es => ServerVariant::Current,
            ProfileId::Legacy => ServerVariant::Legacy,
            ProfileId::Overview => ServerVariant::Overview,
        }
    }
}

impl ServerVariant {
    /// The profile a server of this reading is judged by.
    pub fn profile(self) -> ProfileId {
        match self {
            ServerVariant::Current => ProfileId::Current,
            ServerVariant::Legacy => ProfileId::Legacy,
            ServerVariant::Overview => ProfileId::Overview,
        }
    }
}

named! {
    /// How binding a fact (or a part of one) is. Ordered from most to least
    /// binding, so `level.max(cap)` is "at most `cap`".
    Level {
        /// A page states it: a violation fails the run.
        Must = "must",
        /// A page only implies it (an example value, a rule on the client):
        /// a violation warns, and fails with `--strict`.
        Should = "should",
        /// No page of the profile decides it: recorded, never failed.
        Observe = "observe",
        /// The four endpoints cannot show it.
        Untestable = "untestable",
    }
}

named! {
    /// What one check concluded.
    Verdict {
        Pass = "pass",
        Fail = "fail",
        Warn = "warn",
        Skip = "skip",
        Observe = "observe",
        /// Nothing could be observed (timeout, reset, body cap, a run that
        /// stopped): never a pass, whatever the fact's level.
        Error = "error",
        /// A failure covered by a valid waiver (`--waivers`): shown apart,
        /// and it does not fail the run.
        Waived = "waived",
    }
}

impl Verdict {
    /// The verdict of an assertion that held (`held`) or not, at `level`.
    /// `must` failures fail; `should` failures warn, or fail when `strict`;
    /// `observe` never fails.
    pub fn judge(level: Level, held: bool, strict: bool) -> Verdict {
        match (level, held) {
            (Level::Observe | Level::Untestable, _) => Verdict::Observe,
            (_, true) => Verdict::Pass,
            (Level::Must, false) => Verdict::Fail,
            (Level::Should, false) if strict => Verdict::Fail,
            (Level::Should, false) => Verdict::Warn,
        }
    }
}

named! {
    /// What a run that observed nothing means (`--no-tests`, as nextest
    /// has it): a usage error, a warning, or a pass.
    NoTests {
        Fail = "fail",
        Warn = "warn",
        Pass = "pass",
    }
}

named! {
    /// Which failures fail a gated run (`--fail-on`): every failing check,
    /// or only those the baseline did not have.
    FailOn {
        Any = "any",
        New = "new",
    }
}

named! {
    /// How `run --bundle` compresses the recorded exchanges: with the CPU
    /// time the run leaves idle, storing what it cannot keep up with (the
    /// run barely slows down), or every batch (a smaller bundle; the run
    /// may wait for it).
    BundleCompression {
        Idle = "idle",
        Always = "always",
    }
}

named! {
    /// What one page says about an observed behaviour.
    Alignment {
        Agrees = "agrees",
        Contradicts = "contradicts",
        Silent = "silent",
    }
}

/// One value per documentation page (serialized as `{en, es, legacy, overview}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PerVariant<T> {
    pub en: T,
    pub es: T,
    pub legacy: T,
    pub overview: T,
}

impl<T: Copy> PerVariant<T> {
    pub fn all(value: T) -> Self {
        PerVariant {
            en: value,
            es: value,
            legacy: value,
            overview: value,
        }
    }

    pub fn get(&self, variant: Variant) -> T {
        *self.get_ref(variant)
    }
}

impl<T> PerVariant<T> {
    pub fn get_ref(&self, variant: Variant) -> &T {
        match variant {
            Variant::En => &self.en,
            Variant::Es => &self.es,
            Variant::Legacy => &self.legacy,
            Variant::Overview => &self.overview,
        }
    }

    pub fn get_mut(&mut self, variant: Variant) -> &mut T {
        match variant {
            Variant::En => &mut self.en,
            Variant::Es => &mut self.es,
            Variant::Legacy => &mut self.legacy,
            Variant::Overview => &mut self.overview,
        }
    }

    pub fn set(&mut self, variant: Variant, value: T) {
        *self.get_mut(variant) = value;
    }
}

/// The alignment of one check with every page.
pub type VariantAlignment = PerVariant<Alignment>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in Variant::ALL {
            assert_eq!(Variant::parse(v.name()), Some(v));
        }
        for p in ProfileId::ALL {
            assert_eq!(ProfileId::parse(p.name()), Some(p));
            assert_eq!(p.server().profile().server(), p.server());
        }
        assert_eq!(ProfileId::parse("Current"), None);
    }

    #[test]
    fn levels_are_ordered_from_most_binding() {
        assert!(Level::Must < Level::Should && Level::Should < Level::Observe);
        assert_eq!(Level::Must.max(Level::Should), Level::Should);
    }
}
