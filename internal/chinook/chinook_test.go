package chinook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/internal/chinook"
	"github.com/ore-go/ore/internal/testdb"
)

func TestLoad(t *testing.T) {
	ctx := context.Background()
	pool := testdb.PGPool(t)
	require.NoError(t, chinook.LoadPG(ctx, pool, false))
	lite := testdb.SQLite(t)
	require.NoError(t, chinook.LoadSQLite(lite, false, true))
	for table, want := range chinook.RowCounts {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
		require.Equal(t, want, n, "postgres %s", table)
		require.NoError(t, lite.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
		require.Equal(t, want, n, "sqlite %s", table)
	}
	for _, tbl := range []*ore.Table{ore.TableOf(chinook.Track), ore.TableOf(chinook.Invoice), ore.TableOf(chinook.Employee)} {
		require.NoError(t, tbl.Err())
		for _, c := range tbl.Columns() {
			var n int
			require.NoError(t, lite.QueryRow(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, tbl.Name(), c.Name()).Scan(&n))
			require.Equal(t, 1, n, "sqlite %s.%s", tbl.Name(), c.Name())
		}
	}
}
