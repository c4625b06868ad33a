package peers

import sq "github.com/Masterminds/squirrel"

var sqPG = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

func squirrelSelectByID(v Values) (string, []any, error) {
	return sqPG.Select("id", "name", "email").From("users").Where("id = ?", v.ID).ToSql()
}

// squirrel's Limit takes a number and writes it into the text; it has no
// form that binds it.
func squirrelJoinGroupBy(v Values) (string, []any, error) {
	return sqPG.Select("users.id", "users.name", "count(*) AS order_count", "sum(orders.amount) AS total").
		From("users").
		Join("orders ON orders.user_id = users.id").
		Where("orders.status = ?", v.Status).
		GroupBy("users.id", "users.name").
		Having("count(*) > ?", v.MinOrders).
		OrderBy("sum(orders.amount) DESC").
		Limit(uint64(v.Limit)).
		ToSql()
}

// squirrel has no Returning: its documentation uses Suffix.
func squirrelInsertReturning(v Values) (string, []any, error) {
	return sqPG.Insert("users").Columns("name", "email").Values(v.Name, v.Email).Suffix("RETURNING id").ToSql()
}

func squirrelUpdateByID(v Values) (string, []any, error) {
	return sqPG.Update("users").Set("name", v.Name).Set("email", v.Email).Where("id = ?", v.ID).ToSql()
}
