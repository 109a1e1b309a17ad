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
define_id_type!(
    /// A row of `supply.csv` (one source and commodity).
    SupplyId
);
define_id_type!(
    /// A row of `refining.csv` (one refiner and commodity).
    RefiningId
);
define_id_type!(
    /// A row of `demand.csv` (one consumer and commodity).
    DemandId
);
define_id_type!(
    /// A period of `[periods]` (contract section 10), in year order; a model
    /// without `[periods]` has the one period 0.
    PeriodId
);
define_id_type!(
    /// A row of `expansion.csv` (one node and commodity that may add capacity).
    ExpansionId
);

/// Lets a table of the validated model be indexed by its own id type only
/// (`model.supply[supply_id]`), so a demand index can never read a supply row.
macro_rules! index_table_by {
    ($id:ident, $row:ty) => {
        impl std::ops::Index<$id> for Vec<$row> {
            type Output = $row;
            fn index(&self, id: $id) -> &$row {
                &self[id.index()]
            }
        }
        impl std::ops::IndexMut<$id> for Vec<$row> {
            fn index_mut(&mut self, id: $id) -> &mut $row {
                &mut self[id.index()]
            }
        }
    };
}

index_table_by!(SupplyId, crate::model::Supply);
index_table_by!(RefiningId, crate::model::Refining);
index_table_by!(DemandId, crate::model::Demand);
