package peers

import (
	jet "github.com/go-jet/jet/v2/postgres"

	"github.com/ore-go/ore/bench/peers/table"
)

// jetStatements returns jet's builders over the tables u and o: the
// generated ones, or the same moved to another schema by a test.
func jetStatements(u *table.UsersTable, o *table.OrdersTable) [NumStatements]Builder {
	return [NumStatements]Builder{
		SelectByID: func(v Values) (string, []any, error) {
			sql, args := jet.SELECT(u.ID, u.Name, u.Email).
				FROM(u).
				WHERE(u.ID.EQ(jet.Int(v.ID))).
				Sql()
			return sql, args, nil
		},
		JoinGroupBy: func(v Values) (string, []any, error) {
			sql, args := jet.SELECT(u.ID, u.Name, jet.COUNT(jet.STAR).AS("order_count"), jet.SUMi(o.Amount).AS("total")).
				FROM(u.INNER_JOIN(o, o.UserID.EQ(u.ID))).
				WHERE(o.Status.EQ(jet.String(v.Status))).
				GROUP_BY(u.ID, u.Name).
				HAVING(jet.COUNT(jet.STAR).GT(jet.Int(v.MinOrders))).
				ORDER_BY(jet.SUMi(o.Amount).DESC()).
				LIMIT(int64(v.Limit)).
				Sql()
			return sql, args, nil
		},
		InsertReturning: func(v Values) (string, []any, error) {
			sql, args := u.INSERT(u.Name, u.Email).
				VALUES(v.Name, v.Email).
				RETURNING(u.ID).
				Sql()
			return sql, args, nil
		},
		UpdateByID: func(v Values) (string, []any, error) {
			sql, args := u.UPDATE().
				SET(u.Name.SET(jet.String(v.Name)), u.Email.SET(jet.String(v.Email))).
				WHERE(u.ID.EQ(jet.Int(v.ID))).
				Sql()
			return sql, args, nil
		},
	}
}
