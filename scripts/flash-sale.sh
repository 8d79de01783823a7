#!/usr/bin/env bash
# The flash-sale lab (issue 8, docs/FLASH-SALE.md): installs the
# dependencies, builds, and runs the same seeded flash sale twice on real
# processes -- Stockwire's event path, then scheduled polling -- against the
# five fake channels in storefront mode. Writes lab-out/summary.txt,
# lab-out/report.html (self-contained, opens offline) and one JSON per run.
#   bash scripts/flash-sale.sh                    # 10 minutes per run
#   bash scripts/flash-sale.sh --preset ci        # 1 minute per run
#   bash scripts/flash-sale.sh --cluster --seed 7 --out /tmp/lab
# Every option: python3 lab/flash_sale.py --help
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec python3 lab/flash_sale.py "$@"
