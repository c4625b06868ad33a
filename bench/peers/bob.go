package peers

import (
	"context"

	"github.com/stephenafamo/bob"
	"github.com/stephenafamo/bob/dialect/psql"
	"github.com/stephenafamo/bob/dialect/psql/im"
	"github.com/stephenafamo/bob/dialect/psql/sm"
	"github.com/stephenafamo/bob/dialect/psql/um"
)

func bobSelectByID(v Values) (string, []any, error) {
	return bob.Build(context.Background(), psql.Select(
		sm.Columns("id", "name", "email"),
		sm.From("users"),
		sm.Where(psql.Quote("id").EQ(psql.Arg(v.ID))),
	))
}

func bobJoinGroupBy(v Values) (string, []any, error) {
	return bob.Build(context.Background(), psql.Select(
		sm.Columns(
			psql.Quote("users", "id"), psql.Quote("users", "name"),
			psql.F("count", "*")().As("order_count"),
			psql.F("sum", psql.Quote("orders", "amount"))().As("total"),
		),
		sm.From("users"),
		sm.InnerJoin("orders").OnEQ(psql.Quote("orders", "user_id"), psql.Quote("users", "id")),
		sm.Where(psql.Quote("orders", "status").EQ(psql.Arg(v.Status))),
		sm.GroupBy(psql.Quote("users", "id")),
		sm.GroupBy(psql.Quote("users", "name")),
		sm.Having(psql.F("count", "*")().GT(psql.Arg(v.MinOrders))),
		sm.OrderBy(psql.F("sum", psql.Quote("orders", "amount"))()).Desc(),
		sm.Limit(psql.Arg(v.Limit)),
	))
}

func bobInsertReturning(v Values) (string, []any, error) {
	return bob.Build(context.Background(), psql.Insert(
		im.Into("users", "name", "email"),
		im.Values(psql.Arg(v.Name, v.Email)),
		im.Returning("id"),
	))
}

func bobUpdateByID(v Values) (string, []any, error) {
	return bob.Build(context.Background(), psql.Update(
		um.Table("users"),
		um.SetCol("name").ToArg(v.Name),
		um.SetCol("email").ToArg(v.Email),
		um.Where(psql.Quote("id").EQ(psql.Arg(v.ID))),
	))
}
