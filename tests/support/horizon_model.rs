//! A small multi-period report built in code (a single-year model folder and
//! a `Horizon` assembled by hand, as tests/horizon_program.rs does), for the
//! tests of the reports of a multi-period solve: two periods, an
//! investment, a binding `max_added`, a reserve, and unmet demand in 2030.

#![allow(dead_code)]

use std::path::Path;

use sourcemix::diagnostics::RowRef;
use sourcemix::horizon;
use sourcemix::id::{CommodityId, NodeId};
use sourcemix::model::{Budget, BudgetKind, Expansion, Horizon, Model};
use sourcemix::periods;
use sourcemix::pipeline::{self, Request};
use sourcemix::report::horizon::HorizonReport;
use sourcemix::solve::{Method, SolveOptions};

/// A recycler R1 in AAA (100 t, 10 per t), a candidate recycler R2 in BBB
/// (0 t, 10 per t), a consumer C in AAA (100 t, penalty 1,000 per t).
pub fn write_model(dir: &Path) {
    let files = [
        (
            "model.toml",
            "name = \"two-periods <&>\"\ndescription = \"\"\ncurrency = \"USD\"\n\n[defaults]\nshortfall_penalty = 1000\n\n[[commodity]]\nid = \"x\"\nname = \"X\"\nunit = \"t\"\n",
        ),
        ("countries.csv", "code,name,groups,risk\nAAA,A,,\nBBB,B,,\n"),
        (
            "nodes.csv",
            "id,name,kind,country\nR1,R1,recycler,AAA\nR2,R2,recycler,BBB\nC,C,consumer,AAA\n",
        ),
        ("supply.csv", "node,commodity,capacity,cost\nR1,x,100,10\nR2,x,0,10\n"),
        ("refining.csv", "node,commodity,capacity,cost,yield\n"),
        ("demand.csv", "node,commodity,demand,penalty\nC,x,100,\n"),
        (
            "routes.csv",
            "from,to,commodity,cost,capacity\nR1,C,x,0,\nR2,C,x,0,\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write model file");
    }
}

pub fn node(model: &Model, id: &str) -> NodeId {
    let i = model.nodes.iter().position(|n| n.id == id).expect("node");
    NodeId::from_index(i)
}

/// The model of `write_model`, loaded, with the folder it lives in.
pub fn base_model() -> (tempfile::TempDir, Model) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_model(dir.path());
    let loaded = pipeline::load(&Request::folder(dir.path())).expect("valid model");
    (dir, loaded.model)
}

/// Periods 2024 (6 years) and 2030 (5 years), demand 100 then `demand_2030`;
/// R2 may add capacity from 2030 (capex 100 per t per year, 10 years).
pub fn horizon(model: &Model, demand_2030: f64, rate: f64, max_added: Option<f64>) -> Horizon {
    let mut later = model.clone();
    later.demand[0].demand = demand_2030;
    Horizon {
        periods: periods::periods(&[2024, 2030], 5, rate),
        discount_rate: rate,
        default_lifetime: 25.0,
        models: vec![model.clone(), later],
        expansions: vec![Expansion {
            node: node(model, "R2"),
            commodity: CommodityId(0),
            max_added,
            capex: 100.0,
            fixed_cost: 0.0,
            first_year: 2030,
            lifetime: 10.0,
            at: RowRef::new("expansion.csv", 2),
        }],
        budgets: Vec::new(),
        line: None,
    }
}

/// `horizon` with demand 150 in 2030, R2's additions limited to 30 t per
/// year and R1 given a reserve of 1,500 t over the horizon (it uses 600 +
/// 500). So 2030 gets 100 + 30 t per year and 20 go unmet.
pub fn report() -> HorizonReport {
    let (_dir, model) = base_model();
    let mut h = horizon(&model, 150.0, 0.0, Some(30.0));
    h.budgets.push(Budget {
        node: node(&model, "R1"),
        commodity: CommodityId(0),
        kind: BudgetKind::Reserve,
        amount: 1_500.0,
        at: RowRef::new("supply.csv", 2),
    });
    let outcomes =
        horizon::solve(&model, &h, &SolveOptions::with_method(Method::Simplex)).expect("solved");
    horizon::report(&model, &h, &outcomes)
}
