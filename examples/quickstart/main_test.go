package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestQuickstart runs the program and checks everything it prints.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	require.NoError(t, run(ctx, &out))
	t.Log("\n" + out.String())
	got := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).ReplaceAllString(out.String(), "http://127.0.0.1:PORT")
	require.Equal(t, `fakedms serves DMS, S3 and Kinesis at http://127.0.0.1:PORT

uploaded s3://quickstart/data/shop/products/LOAD00000001.csv (2 lines)
uploaded s3://quickstart/data/shop/orders/LOAD00000001.csv (1 line)

connection test of endpoint shop-files: successful
task shop-to-kinesis (full-load-and-cdc): starting
task running

Kinesis records of the full load:
  create-table  awsdms_apply_exceptions
  drop-table    shop.orders
  drop-table    shop.products
  create-table  shop.orders
  create-table  shop.products
  load          shop.orders              {"id":1,"product_id":2,"placed_at":"2026-11-23T10:00:00.125Z"}
  load          shop.products            {"id":1,"name":"apple","price":"0.50"}
  load          shop.products            {"id":2,"name":"pear","price":"0.75"}
table statistics:
  shop.orders    1 loaded, 0 inserts, 0 updates, 0 deletes (Table completed)
  shop.products  2 loaded, 0 inserts, 0 updates, 0 deletes (Table completed)

uploaded s3://quickstart/data/changes/CDC00000001.csv (3 lines)

Kinesis records of the changes:
  insert        shop.products            {"id":3,"name":"kiwi","price":"0.40"}
  update        shop.products            {"id":1,"name":"apple","price":"0.55"}
  delete        shop.orders              {"id":1,"product_id":2,"placed_at":"2026-11-23T10:00:00.125Z"}

task stopped: Stop Reason NORMAL
table statistics:
  shop.orders    1 loaded, 0 inserts, 0 updates, 1 deletes (Table completed)
  shop.products  2 loaded, 1 inserts, 1 updates, 0 deletes (Table completed)
`, got)
}
