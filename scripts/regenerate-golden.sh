#!/usr/bin/env bash
# Regenerates tests/golden/ from the current code: run it on purpose, after a
# change whose new answers you have checked, then review `git diff tests/golden`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf tests/golden/critical-minerals-2024 tests/golden/critical-minerals-2040 tests/golden/examples-*
SOURCEMIX_REGENERATE_GOLDEN=1 cargo test --test golden outputs_match_the_golden_files
git status --short tests/golden
