//! The flagship model: every invariant holds, the EU rule holds, and with no
//! caps the mix reproduces the published refining shares.

mod common;

use std::path::Path;

use sourcemix::pipeline;
use sourcemix::solve::SolveOptions;

fn flagship() -> pipeline::Loaded {
    pipeline::load(&pipeline::Request::folder(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024"),
    ))
    .expect("flagship loads")
}

#[test]
fn flagship_solution_satisfies_every_invariant() {
    let loaded = flagship();
    let nets = pipeline::networks(&loaded.model);
    let outcome = pipeline::solve(&loaded.model, nets, &SolveOptions::default()).expect("solves");
    let report = outcome.report(&loaded.model);
    common::check_invariants("flagship", &loaded.model, &outcome, &report);
    // The EU rule: no third country above 65% of EU27 deliveries, at either stage.
    let members: Vec<String> = loaded
        .model
        .group_members("EU")
        .into_iter()
        .map(|c| loaded.model.country(c).code.clone())
        .collect();
    let eu = report.consumers.iter().filter(|c| c.node == "CON-EU27");
    for c in eu {
        for (stage, shares) in [
            ("mining", &c.mining_shares),
            ("refining", &c.refining_shares),
        ] {
            for (country, share) in shares {
                if !members.contains(country) {
                    assert!(
                        *share <= 0.65 + 1e-6,
                        "EU {} {stage} share of {country} is {share}",
                        c.commodity
                    );
                }
            }
        }
    }
}

/// IEA Critical Minerals Dataset (May 2025), 2024 refining (rare earths:
/// separation) shares, from data/refining_output.csv (country / world,
/// rounded to 4 decimals): the top three refiners of each commodity.
const PUBLISHED_REFINING: [(&str, &str, f64); 15] = [
    ("lithium", "CHN", 0.7023),
    ("lithium", "CHL", 0.2039),
    ("lithium", "ARG", 0.0545),
    ("cobalt", "CHN", 0.7841),
    ("cobalt", "ROW", 0.0944),
    ("cobalt", "FIN", 0.0804),
    ("nickel", "IDN", 0.4286),
    ("nickel", "CHN", 0.3132),
    ("nickel", "ROW", 0.1488),
    ("rare_earths", "CHN", 0.9128),
    ("rare_earths", "MYS", 0.0449),
    ("rare_earths", "ROW", 0.0305),
    ("graphite", "CHN", 0.9571),
    ("graphite", "JPN", 0.0240),
    ("graphite", "ROW", 0.0183),
];

/// USGS MCS 2026, 2024 mine production shares (country / sum of the country
/// rows of data/mine_production.csv, rounded to 4 decimals), top three, for
/// the two commodities whose world supply in the model equals world demand
/// (rare earths after the calibration C1, graphite by construction), so
/// every source runs full and the mining shares are forced. Lithium, cobalt
/// and nickel have more mine capacity than demand: which mines idle is a tie
/// between equal costs, so their mining shares depend on the tie rule (model
/// contract section 6), not on the data; `check_shares.py` beside the model
/// shows that equal utilisation puts them within 2 points as well.
const PUBLISHED_MINING_FORCED: [(&str, &str, f64); 6] = [
    ("rare_earths", "CHN", 0.7031),
    ("rare_earths", "USA", 0.1185),
    ("rare_earths", "AUS", 0.0755),
    ("graphite", "CHN", 0.8190),
    ("graphite", "MDG", 0.0548),
    ("graphite", "BRA", 0.0374),
];

fn uncapped() -> (pipeline::Loaded, sourcemix::report::Report) {
    let mut loaded = flagship();
    loaded.model.policies.clear();
    let nets = pipeline::networks(&loaded.model);
    let outcome = pipeline::solve(&loaded.model, nets, &SolveOptions::default()).expect("solves");
    let report = outcome.report(&loaded.model);
    common::check_invariants("flagship uncapped", &loaded.model, &outcome, &report);
    (loaded, report)
}

fn total_share(
    report: &sourcemix::report::Report,
    commodity: &str,
    stage: &str,
    country: &str,
) -> f64 {
    let total = report
        .totals
        .iter()
        .find(|t| t.commodity == commodity)
        .expect("commodity total");
    let shares = if stage == "mining" {
        &total.mining_shares
    } else {
        &total.refining_shares
    };
    shares.get(country).copied().unwrap_or(0.0)
}

/// Issue 7 section 5: with no caps the 2024 market clears. Before the
/// calibration C1 (model README) 11,769 t of rare earths were unmet.
#[test]
fn uncapped_flagship_meets_every_consumers_demand() {
    let (_, report) = uncapped();
    assert_eq!(report.consumers.len(), 35, "7 consumers x 5 commodities");
    for c in &report.consumers {
        assert!(
            c.unmet <= 1e-6 * c.demand.max(1.0),
            "{} {}: {} t unmet of {} t",
            c.node,
            c.commodity,
            c.unmet,
            c.demand
        );
        assert!((c.delivered - c.demand).abs() <= 1e-6 * c.demand.max(1.0));
    }
    assert!(
        report.cost.shortfall.abs() <= 1e-6,
        "shortfall penalty {}",
        report.cost.shortfall
    );
}

#[test]
fn uncapped_flagship_reproduces_published_refining_shares() {
    let (_, report) = uncapped();
    for (commodity, country, published) in PUBLISHED_REFINING {
        let share = total_share(&report, commodity, "refining", country);
        // Every refiner runs full (refining capacity = demand), so the shares
        // are the IEA shares up to the rounding of capacities to whole tonnes.
        // Rare earths used to be diluted by Japan's stockpile (tolerance 0.05
        // before the calibration C1); the stockpile is no longer released.
        assert!(
            (share - published).abs() <= 0.005,
            "{commodity} refining share of {country}: model {share:.4}, published {published:.4}"
        );
    }
}

#[test]
fn uncapped_flagship_reproduces_usgs_mining_shares_where_supply_equals_demand() {
    let (_, report) = uncapped();
    for (commodity, country, published) in PUBLISHED_MINING_FORCED {
        let share = total_share(&report, commodity, "mining", country);
        assert!(
            (share - published).abs() <= 0.005,
            "{commodity} mining share of {country}: model {share:.4}, USGS {published:.4}"
        );
    }
}

/// USGS MCS 2026, 2024 mine production shares (country / sum of the country
/// rows of data/mine_production.csv, 4 decimals), top three, for the
/// commodities with more mine capacity than demand: which mines idle is a
/// tie between equal costs, settled by the tie-break rule (tied capacities
/// at equal utilisation), which must land within 2 points (issue 7).
const PUBLISHED_MINING_TIED: [(&str, &str, f64); 9] = [
    ("lithium", "AUS", 0.3709),
    ("lithium", "CHL", 0.2193),
    ("lithium", "CHN", 0.1857),
    ("cobalt", "COD", 0.7494),
    ("cobalt", "IDN", 0.1161),
    ("cobalt", "RUS", 0.0265),
    ("nickel", "IDN", 0.6233),
    ("nickel", "PHL", 0.0955),
    ("nickel", "ROW", 0.0831),
];

#[test]
fn uncapped_flagship_with_the_tie_break_is_within_2_points_of_usgs_mining() {
    let (_, report) = uncapped();
    for (commodity, country, published) in PUBLISHED_MINING_TIED {
        let share = total_share(&report, commodity, "mining", country);
        assert!(
            (share - published).abs() <= 0.02,
            "{commodity} mining share of {country}: model {share:.4}, USGS {published:.4}"
        );
    }
}

#[test]
fn capping_at_65_percent_costs_at_least_the_uncapped_baseline() {
    let mut loaded = flagship();
    let capped = {
        let nets = pipeline::networks(&loaded.model);
        pipeline::solve(&loaded.model, nets, &SolveOptions::default())
            .expect("solves")
            .report(&loaded.model)
            .total_cost
    };
    loaded.model.policies.clear();
    let nets = pipeline::networks(&loaded.model);
    let uncapped = pipeline::solve(&loaded.model, nets, &SolveOptions::default())
        .expect("solves")
        .report(&loaded.model)
        .total_cost;
    assert!(
        capped >= uncapped - 1e-6 * uncapped,
        "capped {capped} < uncapped {uncapped}"
    );
}
