package peers

import (
	"github.com/doug-martin/goqu/v9"
	_ "github.com/doug-martin/goqu/v9/dialect/postgres" // registers "postgres"
)

// goquPG renders for PostgreSQL. Every dataset is Prepared, so that values
// are bound instead of interpolated (goqu's default).
var goquPG = goqu.Dialect("postgres")

func goquSelectByID(v Values) (string, []any, error) {
	return goquPG.From("users").Prepared(true).
		Select("id", "name", "email").
		Where(goqu.C("id").Eq(v.ID)).
		ToSQL()
}

func goquJoinGroupBy(v Values) (string, []any, error) {
	return goquPG.From("users").Prepared(true).
		Select(goqu.I("users.id"), goqu.I("users.name"),
			goqu.COUNT(goqu.Star()).As("order_count"), goqu.SUM(goqu.I("orders.amount")).As("total")).
		Join(goqu.T("orders"), goqu.On(goqu.I("orders.user_id").Eq(goqu.I("users.id")))).
		Where(goqu.I("orders.status").Eq(v.Status)).
		GroupBy(goqu.I("users.id"), goqu.I("users.name")).
		Having(goqu.COUNT(goqu.Star()).Gt(v.MinOrders)).
		Order(goqu.SUM(goqu.I("orders.amount")).Desc()).
		Limit(uint(v.Limit)).
		ToSQL()
}

// Cols and Vals rather than a goqu.Record: a Record is a map whose keys goqu
// sorts on every build.
func goquInsertReturning(v Values) (string, []any, error) {
	return goquPG.Insert("users").Prepared(true).
		Cols("name", "email").
		Vals(goqu.Vals{v.Name, v.Email}).
		Returning("id").
		ToSQL()
}

// goqu's Set takes a Record or a tagged struct; Record is the documented
// form.
func goquUpdateByID(v Values) (string, []any, error) {
	return goquPG.Update("users").Prepared(true).
		Set(goqu.Record{"name": v.Name, "email": v.Email}).
		Where(goqu.C("id").Eq(v.ID)).
		ToSQL()
}
