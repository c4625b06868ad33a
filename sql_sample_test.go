package ore_test

import (
	"testing"

	"github.com/ore-go/ore"
)

func TestSQLSample(t *testing.T) {
	runSQLCases(t, []sqlCase{
		{
			name:   "select by id",
			stmt:   selectByID(),
			pg:     `SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = $1`,
			sqlite: `SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = ?`,
			args:   []any{int64(1)},
		},
	})
}

func selectByID() ore.Statement {
	return ore.Select2(Users.ID, Users.Name).From(Users).Where(Users.ID.Eq(1))
}
