//! Typed ids: indices into the validated model's tables, so a node can never be
//! passed where a country is expected.

macro_rules! define_id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of this item in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the item at `index` in its table.
            pub fn from_index(index: usize) -> Self {
                Self(u32::try_from(index).unwrap_or(u32::MAX))
            }
        }
    };
}

define_id_type!(
    /// A row of `nodes.csv`.
    NodeId
);
define_id_type!(
    /// A row of `countries.csv`.
    CountryId
);
define_id_type!(
    /// A `[[commodity]]` of `model.toml`.
    CommodityId
);
define_id_type!(
    /// One directed edge for one commodity (a `*` route row expands to several).
    RouteId
);
define_id_type!(
    /// A `[[policy]]` of `model.toml`.
    PolicyId
);
