#!/usr/bin/env bash
# bench.sh: encours run against the plain excelize round trip (and openpyxl
# when python3 has it) on generated exports of 100k and 1M accounts rows.
# See docs/performance.md. Usage, from the repository root:
#
#   cmd/bench/bench.sh [WORKDIR]          # both sizes
#   SIZES="100000" cmd/bench/bench.sh     # only the 100k case
#   BUDGET=1 cmd/bench/bench.sh [WORKDIR] # program budgets instead, see below
#   PG=1 cmd/bench/bench.sh               # also the run on a PostgreSQL ledger
#   OPENPYXL=0 cmd/bench/bench.sh         # without the (slow) openpyxl round trip
#
# With PG=1 the run is repeated on a PostgreSQL ledger: the server of
# $ENCOURS_BENCH_PG_DSN (a superuser DSN; a database bench_<rows> is created
# in it), else a throw-away cluster .ci/pg.sh starts with fsync on.
#
# Wall time and peak RSS come from /usr/bin/time -v (apt-get install time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${TMPDIR:-/tmp}/encours-bench}
SIZES=${SIZES:-"100000 1048570"}
ORDERS_1M=${ORDERS_1M:-100000}
ORDERS_SMALL=${ORDERS_SMALL:-10000}
ASOF=2009-05-04
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: /usr/bin/time is missing: apt-get install -y time" >&2; exit 2; }

mkdir -p "$W/bin" "$W/gen"
echo "building into $W/bin"
(cd "$ROOT" && go build -o "$W/bin/encours" ./cmd/encours && go build -o "$W/bin/xlsxbaseline" ./cmd/xlsxbaseline)

# One wholesaler whose layout has a title block, comma decimals, day-month
# dates, an applied_line column and an orders sheet; all three programs apply.
cat > "$W/rules.yaml" <<'YAML'
programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [big],
     from: 2009-03-02, until: 2009-06-30, max_amount: 5000, round_up_to: 100}
  - {id: oem-office, name: Ligne OEM Office, kind: order_triggered_line, wholesalers: [big],
     amount: 5000, duration_months: 6,
     trigger: {category: [OEM], product_contains: [Office], min_order_amount: 1000}}
  - {id: ms-financing, name: Microsoft Financing, kind: financing_sla, wholesalers: ["*"],
     payment_values: [Microsoft Financing], max_hours: 48}
YAML
config() { # config DIR
  cat > "$1/config.yaml" <<YAML
timezone: Europe/Paris
inbox: inbox
data_dir: var
rules: $W/rules.yaml
min_file_age: 0s
limits: {max_file_bytes: 1GiB, max_unzipped_bytes: 4GiB, max_rows: 1048576}
mail: {transport: dir, from: "Programme partenaires <partenaires@vendor.example>", program_managers: ["pm@vendor.example"]}
wholesalers:
  - id: big
    name: Grossiste Europe
    emails: ["credit@big.example"]
    language: fr
    layout:
      decimal: comma
      date_order: dmy
      accounts:
        sheet: Encours
        columns: {reseller_id: ["Code client"], reseller_name: ["Raison sociale"], status: ["Statut"],
                  insured_limit: ["Limite assurée"], outstanding: ["Encours"], applied_line: ["Ligne Microsoft"],
                  siren: ["SIREN"]}
        status_values: {terminated: ["Radié"]}
      orders:
        sheet: Commandes
        columns: {order_id: ["N° commande"], reseller_id: ["Code client"], order_date: ["Date"],
                  product: ["Article"], category: ["Famille"], amount: ["Montant HT"],
                  payment: ["Règlement"], financing_accepted_at: ["Accord financement"],
                  financing_paid_at: ["Paiement financement"]}
YAML
}
config "$W"

# measure NAME LOG CMD...: runs CMD under /usr/bin/time -v; prints "secs kib".
measure() {
  local log=$1; shift
  "$TIME" -v "$@" >"$log.out" 2>"$log.time" || { echo "bench: $* failed, see $log.out and $log.time" >&2; tail -5 "$log.time" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "$wall $rss"
}

# Debian's python3-openpyxl installs for /usr/bin/python3, which a pyenv
# python3 on the PATH does not see: take the first that imports openpyxl.
HAVE_OPENPYXL=0
PY=
[ "${OPENPYXL:-1}" = 0 ] || for p in python3 /usr/bin/python3; do
  if "$p" -c 'import openpyxl' 2>/dev/null; then HAVE_OPENPYXL=1; PY=$p; break; fi
done

# BUDGET=1: a full sheet (1,048,572 accounts under a title block and a
# header) where every active account is over its insured limit, run once
# without a budget and once under a budget of max_beneficiaries
# BUDGET_PLACES (default 500,000: half the claims are waitlisted); then, on
# each data_dir, the next week's run without a new export, which loads the
# waitlist from the ledger and examines every entry (the round trip).
if [ "${BUDGET:-0}" = 1 ]; then
  n=${BUDGET_ROWS:-1048572}
  places=${BUDGET_PLACES:-500000}
  in="$W/gen/export-$n-short.xlsx"
  if [ ! -s "$in" ]; then
    "$W/bin/encours" gen --config "$W/config.yaml" --wholesaler big --rows "$n" --orders "$ORDERS_1M" --short 98 --as-of $ASOF --seed 7 --out "$in"
  fi
  echo "== budget: $n accounts rows, 98% of them short, + $ORDERS_1M order rows ($(du -h "$in" | cut -f1)); max_beneficiaries $places"
  sed "s/max_amount: 5000, round_up_to: 100}/max_amount: 5000, round_up_to: 100, budget: {max_beneficiaries: $places}}/" \
    "$W/rules.yaml" > "$W/rules-budget.yaml"
  grep -q "budget:" "$W/rules-budget.yaml" || { echo "bench: could not add the budget to rules.yaml" >&2; exit 1; }
  declare -A BW BR
  for mode in none budget; do
    run="$W/run-budget-$mode"; rm -rf "$run"; mkdir -p "$run/inbox/big"; config "$run"
    [ $mode = budget ] && sed -i "s#^rules: .*#rules: $W/rules-budget.yaml#" "$run/config.yaml"
    cp "$in" "$run/inbox/big/"; touch -d '2 hours ago' "$run/inbox/big/$(basename "$in")"
    read -r w r < <(measure "$W/budget-$mode" "$W/bin/encours" run --config "$run/config.yaml" --as-of $ASOF --out "$run/out1")
    BW[$mode]=$w; BR[$mode]=$r
    printf '  %-34s %8.2f s %8d MiB\n' "run, $mode" "$w" $((r/1024))
    read -r w r < <(measure "$W/budget-$mode-next" "$W/bin/encours" run --config "$run/config.yaml" --as-of 2009-05-11 --out "$run/out2")
    BW[$mode-next]=$w; BR[$mode-next]=$r
    printf '  %-34s %8.2f s %8d MiB\n' "next week, no export, $mode" "$w" $((r/1024))
    grep -o '"waitlist": \[' "$run/out1/run.json" >/dev/null || { echo "bench: run.json has no waitlist" >&2; exit 1; }
  done
  waiting=$(grep -c '"since":' "$W/run-budget-budget/out2/run.json" || true)
  echo "  waitlist entries after the budget run: $waiting"
  awk -v a="${BW[budget]}" -v b="${BW[none]}" 'BEGIN { printf "  budget / no budget wall: %.2fx (target <= 1.15x)\n", a/b }'
  awk -v a="${BW[budget-next]}" -v b="${BW[none-next]}" 'BEGIN { printf "  next week, budget / no budget wall: %.2fx\n", a/b }'
  uptime
  exit 0
fi
PG=${PG:-0}
if [ "$PG" = 1 ] && [ -z "${ENCOURS_BENCH_PG_DSN:-}" ]; then
  export ENCOURS_TEST_PG_STATE="$W/pg"
  eval "$(ENCOURS_PG_DURABLE=1 "$ROOT/.ci/pg.sh" start)"
  trap '"$ROOT/.ci/pg.sh" stop >/dev/null 2>&1 || true' EXIT
  ENCOURS_BENCH_PG_DSN=$ENCOURS_TEST_PG_DSN
fi
# pgdb N: an empty database bench_N in the server, and its DSN.
pgdb() {
  local base=${ENCOURS_BENCH_PG_DSN%%\?*} q
  q=${ENCOURS_BENCH_PG_DSN#"$base"}
  psql -q "$ENCOURS_BENCH_PG_DSN" -c "DROP DATABASE IF EXISTS bench_$1" -c "CREATE DATABASE bench_$1" >&2
  echo "${base%/*}/bench_$1$q"
}

declare -A WALL RSS
for n in $SIZES; do
  orders=$ORDERS_SMALL
  [ "$n" -ge 1000000 ] && orders=$ORDERS_1M
  in="$W/gen/export-$n.xlsx"
  if [ ! -s "$in" ]; then
    "$W/bin/encours" gen --config "$W/config.yaml" --wholesaler big --rows "$n" --orders "$orders" --as-of $ASOF --seed 7 --out "$in"
  fi
  echo "== $n accounts rows + $orders order rows ($(du -h "$in" | cut -f1))"

  run="$W/run-$n"; rm -rf "$run"; mkdir -p "$run/inbox/big"; config "$run"
  cp "$in" "$run/inbox/big/"; touch -d '2 hours ago' "$run/inbox/big/export-$n.xlsx"
  read -r w r < <(measure "$W/encours-$n" "$W/bin/encours" run --config "$run/config.yaml" --as-of $ASOF --out "$run/out")
  WALL[enc$n]=$w; RSS[enc$n]=$r
  printf '  %-28s %8.2f s %8d MiB\n' "encours run" "$w" $((r/1024))

  if [ "$PG" = 1 ]; then
    pgrun="$W/pgrun-$n"; rm -rf "$pgrun"; mkdir -p "$pgrun/inbox/big"; config "$pgrun"
    echo "ledger: {driver: postgres, dsn_env: ENCOURS_PG_DSN}" >>"$pgrun/config.yaml"
    cp "$in" "$pgrun/inbox/big/"; touch -d '2 hours ago' "$pgrun/inbox/big/export-$n.xlsx"
    dsn=$(pgdb "$n")
    read -r w r < <(ENCOURS_PG_DSN=$dsn measure "$W/encours-pg-$n" "$W/bin/encours" run --config "$pgrun/config.yaml" --as-of $ASOF --out "$pgrun/out")
    WALL[pg$n]=$w; RSS[pg$n]=$r
    printf '  %-28s %8.2f s %8d MiB\n' "encours run, PostgreSQL" "$w" $((r/1024))
    awk -v p="$w" -v e="${WALL[enc$n]}" 'BEGIN { printf "  PostgreSQL / SQLite wall: %.2fx\n", p/e }'
    # The warnings name the run's output folder, which differs.
    if cmp -s <(sed "s#$run/out#OUT#g" "$run/out/run.json") <(sed "s#$pgrun/out#OUT#g" "$pgrun/out/run.json"); then
      echo "  run.json identical on both ledgers (output folder aside)"
    else
      echo "  run.json DIFFERS between the ledgers" >&2
    fi
  fi

  read -r w r < <(measure "$W/baseline-$n" "$W/bin/xlsxbaseline" -in "$in" -out "$W/baseline-$n.xlsx")
  WALL[base$n]=$w; RSS[base$n]=$r
  printf '  %-28s %8.2f s %8d MiB\n' "excelize round trip" "$w" $((r/1024))

  if [ $HAVE_OPENPYXL = 1 ]; then
    read -r w r < <(measure "$W/openpyxl-$n" "$PY" "$ROOT/cmd/bench/openpyxl_roundtrip.py" "$in" "$W/openpyxl-$n.xlsx")
    WALL[py$n]=$w; RSS[py$n]=$r
    printf '  %-28s %8.2f s %8d MiB\n' "openpyxl round trip" "$w" $((r/1024))
  fi
  awk -v e="${WALL[enc$n]}" -v b="${WALL[base$n]}" 'BEGIN { printf "  encours / excelize wall: %.2fx\n", e/b }'
  if [ $HAVE_OPENPYXL = 1 ]; then
    awk -v e="${WALL[enc$n]}" -v p="${WALL[py$n]}" 'BEGIN { printf "  openpyxl / encours wall: %.2fx (encours is that much faster)\n", p/e }'
  fi
done
if [ $HAVE_OPENPYXL = 0 ]; then echo "(openpyxl not installed for python3: its column is skipped)"; fi

set -- $SIZES
if [ $# -ge 2 ]; then
  awk -v big="${RSS[enc$2]}" -v small="${RSS[enc$1]}" -v a="$1" -v b="$2" \
    'BEGIN { printf "encours peak RSS %s rows / %s rows: %.2fx (%d MiB / %d MiB)\n", b, a, big/small, big/1024, small/1024 }'
fi

# What-if (encours simulate) on the largest size: a season of two runs on one
# data_dir, the second over a ledger that holds the first's lines (so it also
# pays for the snapshot of a real ledger), then --replay last against the
# second run's own time and --replay all against the sum of both runs.
# WHATIF=0 skips it.
if [ "${WHATIF:-1}" = 1 ]; then
  set -- $SIZES
  n=${!#}
  orders=$ORDERS_SMALL
  [ "$n" -ge 1000000 ] && orders=$ORDERS_1M
  in2="$W/gen/export-$n-week2.xlsx"
  if [ ! -s "$in2" ]; then
    "$W/bin/encours" gen --config "$W/config.yaml" --wholesaler big --rows "$n" --orders "$orders" --as-of 2009-05-11 --seed 8 --out "$in2"
  fi
  echo "== what-if: two runs of $n accounts rows, then encours simulate"
  s="$W/whatif-$n"; rm -rf "$s"; mkdir -p "$s/inbox/big"; config "$s"
  cp "$W/gen/export-$n.xlsx" "$s/inbox/big/week1.xlsx"; touch -d '2 hours ago' "$s/inbox/big/week1.xlsx"
  read -r w1 r1 < <(measure "$W/whatif-run1-$n" "$W/bin/encours" run --config "$s/config.yaml" --as-of $ASOF --out "$s/out1")
  printf '  %-28s %8.2f s %8d MiB\n' "run 1 (empty ledger)" "$w1" $((r1/1024))
  cp "$in2" "$s/inbox/big/week2.xlsx"; touch -d '2 hours ago' "$s/inbox/big/week2.xlsx"
  read -r w2 r2 < <(measure "$W/whatif-run2-$n" "$W/bin/encours" run --config "$s/config.yaml" --as-of 2009-05-11 --out "$s/out2")
  printf '  %-28s %8.2f s %8d MiB\n' "run 2 (the latest)" "$w2" $((r2/1024))
  grep -ho 'msg="ledger copied before the run".*' "$W/whatif-run2-$n.time" | sed 's/^/  run 2: /' || true
  sed 's/max_amount: 5000/max_amount: 3000/' "$W/rules.yaml" > "$s/candidate.yaml"
  read -r wl rl < <(measure "$W/whatif-last-$n" "$W/bin/encours" simulate --config "$s/config.yaml" --rules "$s/candidate.yaml" --replay last --out "$s/sim-last")
  printf '  %-28s %8.2f s %8d MiB\n' "simulate --replay last" "$wl" $((rl/1024))
  read -r wa ra < <(measure "$W/whatif-all-$n" "$W/bin/encours" simulate --config "$s/config.yaml" --rules "$s/candidate.yaml" --replay all --out "$s/sim-all")
  printf '  %-28s %8.2f s %8d MiB\n' "simulate --replay all" "$wa" $((ra/1024))
  awk -v l="$wl" -v r="$w2" 'BEGIN { printf "  --replay last / run 2: %.2fx (target <= 1.2x)\n", l/r }'
  awk -v a="$wa" -v r1="$w1" -v r2="$w2" 'BEGIN { printf "  --replay all / (run 1 + run 2): %.2fx (target <= 1x)\n", a/(r1+r2) }'
fi
