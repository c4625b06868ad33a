package peers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// bun's models, as its documentation declares them.

type bunUser struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID        int64 `bun:",pk,autoincrement"`
	Name      string
	Email     string
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

type bunOrder struct {
	bun.BaseModel `bun:"table:orders,alias:o"`

	ID        int64 `bun:",pk,autoincrement"`
	UserID    int64
	Amount    int64
	Status    string
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

// bunDB renders queries and never connects: bun needs a *sql.DB to build
// queries on, and opening one does not connect.
var bunDB = bun.NewDB(sql.OpenDB(noConnector{}), pgdialect.New())

type noConnector struct{}

func (noConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("peers: bun's database is for rendering queries only")
}

func (noConnector) Driver() driver.Driver { return nil }

// bun writes values into the text: String and AppendQuery format them in,
// and bun executes the formatted text the same way, with no arguments. Its
// builders return none.

func bunSelectByID(v Values) (string, []any, error) {
	return bunDB.NewSelect().
		Model((*bunUser)(nil)).
		Column("id", "name", "email").
		Where("?TableAlias.id = ?", v.ID).
		String(), nil, nil
}

func bunJoinGroupBy(v Values) (string, []any, error) {
	return bunDB.NewSelect().
		Model((*bunUser)(nil)).
		Column("id", "name").
		ColumnExpr("count(*) AS order_count").
		ColumnExpr("sum(o.amount) AS total").
		Join("JOIN orders AS o ON o.user_id = u.id").
		Where("o.status = ?", v.Status).
		GroupExpr("u.id, u.name").
		Having("count(*) > ?", v.MinOrders).
		OrderExpr("sum(o.amount) DESC").
		Limit(int64(v.Limit)).
		String(), nil, nil
}

func bunInsertReturning(v Values) (string, []any, error) {
	return bunDB.NewInsert().
		Model(&bunUser{Name: v.Name, Email: v.Email}).
		Column("name", "email").
		Returning("id").
		String(), nil, nil
}

func bunUpdateByID(v Values) (string, []any, error) {
	return bunDB.NewUpdate().
		Model(&bunUser{ID: v.ID, Name: v.Name, Email: v.Email}).
		Column("name", "email").
		WherePK().
		String(), nil, nil
}
