#!/usr/bin/env bash
# workload.sh: the demo shop's steady write load. Generates transactions at a fixed rate and
# pipes them as SQL into one long-lived `mariadb` client until it gets SIGTERM or SIGINT; then it
# lets the client finish what it was sent, prints what it committed and exits (the client's exit
# code, so a failed statement is not silent).
#   workload.sh CLIENT_CNF RATE FIRST_ORDER_ID FIRST_CUSTOMER_ID PRODUCTS
# CLIENT_CNF: a mariadb option file ([client] host, port, user, password); RATE: transactions per
# second; ids from FIRST_*: the next order and customer ids to insert (the seed's count + 1).
#
# The mix, each transaction multi-row and committed as one: 35% a new order with 1-4 items (at
# the product's price) and the stock decremented; 25% status changes of three orders; 10% price
# changes of two products (and a restock); 10% a primary-key change: every line of an order gets
# line_no + 100; 10% an order cancelled and deleted with its items (stock given back); 7% customer
# updates (points, VIP flag, JSON preferences, a birthday set or cleared); 3% a new customer.
# Orders and customers get ids this script counts itself, so no statement can collide; a change
# to an order deleted earlier changes nothing.
set -euo pipefail

if [[ $# -ne 5 ]]; then
  echo "usage: workload.sh CLIENT_CNF RATE FIRST_ORDER_ID FIRST_CUSTOMER_ID PRODUCTS" >&2
  exit 2
fi
client_cnf="$1" rate="$2" next_order="$3" next_customer="$4" products="$5"
RANDOM=42  # the same sequence of transactions every run (only their timing differs)

stopping=0
trap 'stopping=1' TERM INT

# One client for the whole run; errors end it (no --force), and the next write here then fails.
exec 3> >(exec mariadb --defaults-file="$client_cnf" --batch --skip-column-names shop)
client_pid=$!

declare -A done_by_kind=()
transactions=0

# Random ids, set in a variable: $(...) would fork, and a subshell's RANDOM is reseeded.
pick_order() { order=$((1 + (RANDOM * 32768 + RANDOM) % (next_order - 1))); }
pick_product() { product=$((1 + RANDOM % products)); }
pick_customer() { customer=$((1 + RANDOM % (next_customer - 1))); }

new_order() {
  local id=$next_order lines=$((1 + RANDOM % 4)) line product quantity customer values="" stock=""
  next_order=$((next_order + 1))
  for ((line = 1; line <= lines; line++)); do
    pick_product
    quantity=$((1 + RANDOM % 3))
    values+="${values:+, }($id, $line, $product, $quantity, (SELECT price FROM products WHERE id = $product), $((RANDOM % 10 == 0)))"
    stock+="UPDATE products SET stock = stock - $quantity WHERE id = $product;"
  done
  local note=NULL
  ((RANDOM % 5 == 0)) && note="'Leave at the door, order $id'"
  pick_customer
  printf '%s\n' "BEGIN;" \
    "INSERT INTO orders (id, customer_id, status, currency, note, shipping_address, placed_at) VALUES ($id, $customer, 'pending', 'EUR', $note, CONCAT($((RANDOM % 200 + 1)), ' Market Street', CHAR(10), '$((10000 + RANDOM % 89999)) Springfield'), NOW(6));" \
    "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, gift_wrap) VALUES $values;" \
    "$stock" \
    "UPDATE orders SET total = (SELECT SUM(quantity * unit_price) FROM order_items WHERE order_id = $id) WHERE id = $id;" \
    "COMMIT;"
}

status_changes() {
  local order ids
  pick_order; ids=$order
  pick_order; ids+=", $order"
  pick_order; ids+=", $order"
  # From the last step back, so that each order moves at most one step.
  printf '%s\n' "BEGIN;" \
    "UPDATE orders SET status = 'delivered', delivery_date = CURRENT_DATE + INTERVAL 2 DAY WHERE id IN ($ids) AND status = 'shipped';" \
    "UPDATE orders SET status = 'shipped', shipped_at = NOW(6) WHERE id IN ($ids) AND status = 'paid';" \
    "UPDATE orders SET status = 'paid' WHERE id IN ($ids) AND status = 'pending';" \
    "COMMIT;"
}

price_changes() {
  local factor=$((90 + RANDOM % 21)) product ids
  pick_product; ids=$product
  pick_product; ids+=", $product"
  printf '%s\n' "BEGIN;" \
    "UPDATE products SET price = GREATEST(0.50, ROUND(price * $factor / 100, 2)) WHERE id IN ($ids);" \
    "UPDATE products SET stock = stock + 500 WHERE stock < 100;" \
    "COMMIT;"
}

renumber_lines() {
  local order
  pick_order
  # ORDER BY line_no DESC: no line takes a number another line of the order still holds.
  printf '%s\n' "BEGIN;" \
    "UPDATE order_items SET line_no = line_no + 100 WHERE order_id = $order ORDER BY line_no DESC;" \
    "COMMIT;"
}

cancel_order() {
  local order id
  pick_order; id=$order
  printf '%s\n' "BEGIN;" \
    "UPDATE products p JOIN order_items i ON i.product_id = p.id SET p.stock = p.stock + i.quantity WHERE i.order_id = $id;" \
    "DELETE FROM order_items WHERE order_id = $id;" \
    "DELETE FROM orders WHERE id = $id;" \
    "COMMIT;"
}

customer_updates() {
  local customer a b
  pick_customer; a=$customer
  pick_customer; b=$customer
  printf '%s\n' "BEGIN;" \
    "UPDATE customers SET loyalty_points = loyalty_points + $((RANDOM % 300)), is_vip = loyalty_points > 4000, preferences = JSON_SET(COALESCE(preferences, '{}'), '$.last_order_at', DATE_FORMAT(NOW(6), '%Y-%m-%dT%H:%i:%s.%f')) WHERE id = $a;" \
    "UPDATE customers SET birthday = IF(birthday IS NULL, DATE('1990-01-01') + INTERVAL $((RANDOM % 9000)) DAY, NULL), preferences = IF(preferences IS NULL, '{\"newsletter\": true}', NULL) WHERE id = $b;" \
    "COMMIT;"
}

new_customer() {
  local id=$next_customer
  next_customer=$((next_customer + 1))
  printf '%s\n' "BEGIN;" \
    "INSERT INTO customers (id, email, name, country, birthday, is_vip, loyalty_points, preferences, created_at) VALUES ($id, 'customer$id@example.com', 'New Customer $id', 'DE', NULL, FALSE, 0, '{\"newsletter\": true, \"language\": \"en\", \"tags\": []}', NOW(6));" \
    "COMMIT;"
}

one_transaction() {
  local dice=$((RANDOM % 100)) kind
  if ((dice < 35)); then kind=new_order
  elif ((dice < 60)); then kind=status_changes
  elif ((dice < 70)); then kind=price_changes
  elif ((dice < 80)); then kind=renumber_lines
  elif ((dice < 90)); then kind=cancel_order
  elif ((dice < 97)); then kind=customer_updates
  else kind=new_customer
  fi
  "$kind" >&3
  done_by_kind[$kind]=$((${done_by_kind[$kind]:-0} + 1))
  transactions=$((transactions + 1))
}

# EPOCHREALTIME in microseconds, without forking.
now_us() { local t="${EPOCHREALTIME/[.,]/}"; echo "$((10#$t))"; }

started=$(now_us)
while ((!stopping)); do
  # Catch up to RATE * elapsed, then sleep a tick: the rate holds however long a tick takes.
  due=$(( ($(now_us) - started) * rate / 1000000 ))
  while ((transactions < due && !stopping)); do one_transaction; done
  sleep 0.05
done
exec 3>&-  # end of input: the client runs what it was sent and exits
client_rc=0
wait "$client_pid" || client_rc=$?
elapsed_ms=$(( ($(now_us) - started) / 1000 ))
summary=""
for kind in new_order status_changes price_changes renumber_lines cancel_order customer_updates new_customer; do
  summary+=" ${kind//_/ } ${done_by_kind[$kind]:-0},"
done
if ((client_rc != 0)); then
  echo "workload: the mariadb client failed (exit $client_rc) after $transactions transactions" >&2
  exit "$client_rc"
fi
printf 'workload: %d transactions committed in %d.%01d s (%d/s):%s; next order id %d\n' \
  "$transactions" $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) \
  $((transactions * 1000 / (elapsed_ms > 0 ? elapsed_ms : 1))) "${summary%,}" "$next_order"
