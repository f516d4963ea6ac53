#!/usr/bin/env bash
# bench.sh: encours run against the plain excelize round trip (and openpyxl
# when python3 has it) on generated exports of 100k and 1M accounts rows.
# See docs/performance.md. Usage, from the repository root:
#
#   cmd/bench/bench.sh [WORKDIR]          # both sizes
#   SIZES="100000" cmd/bench/bench.sh     # only the 100k case
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
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import openpyxl' 2>/dev/null; then HAVE_OPENPYXL=1; PY=$p; break; fi
done

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
