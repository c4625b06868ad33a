// The control program: every other case's setup with its bad line fixed.
// It must build, which proves that the other cases fail for their one line
// and not for their setup.
package main

import (
	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
)

type usersTable struct {
	ore.Table
	ID      ore.Col[int64]   `ore:"id,pk"`
	Name    ore.Col[string]  `ore:"name"`
	Email   ore.Col[*string] `ore:"email"`
	Age     ore.Col[int64]   `ore:"age"`
	Version ore.Col[int64]   `ore:"version"`
}

var Users = ore.NewTable[usersTable]("users")

// User is the mapped type of the mapper cases.
type User struct {
	ID      int64
	Name    string
	Email   *string
	Age     int64
	Version int64
}

// names needs rows of two strings.
func names(q ore.Query[ore.Row2[string, string]]) {}

func main() {
	ids := []int64{1, 2, 3}
	// eq_string
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.Eq(1))
	// eqexpr_types
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.EqExpr(Users.ID))
	// in_elem_type
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.In(ids...))
	// to_string
	_ = ore.Insert(Users).Values(Users.ID.To(1))
	// toexpr_type
	_ = ore.Update(Users).Set(Users.ID.ToExpr(ore.Add(Users.ID, ore.Value[int64](1))))
	// select2_row_type
	names(ore.Select2(Users.Name, Users.Name).From(Users))
	// inquery_type
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.InQuery(ore.Select1(Users.ID).From(Users)))
	// add_string
	_ = ore.Select1(ore.Add(Users.ID, Users.ID)).From(Users)
	// like_int
	_ = ore.Select1(Users.ID).From(Users).Where(ore.Like(Users.Name, "1%"))
	// excluded_type
	_ = ore.Insert(Users).Values(Users.ID.To(1), Users.Name.To("ann")).OnConflict(Users.ID).DoUpdate(Users.Name.ToExpr(ore.Excluded(Users.Name)))
	// where_not_bool
	_ = ore.Select1(Users.ID).From(Users).Where(Users.Name.Eq("ann"))
	// union_row_type
	_ = ore.Select1(Users.ID).From(Users).Union(ore.Select1(Users.ID).From(Users))
	// nullable_eqexpr
	_ = ore.Select1(Users.ID).From(Users).Where(Users.Email.EqExpr(ore.Ptr(Users.Name)))
	// param_type
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.EqExpr(ore.Param[int64]("id")))
	// scalar_subquery_type
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.EqExpr(ore.ScalarSubquery(ore.Select1(Users.ID).From(Users).Limit(1))))
	// coalesce_mixed
	_ = ore.Select1(ore.Coalesce(Users.Email, ore.Ptr(Users.Name))).From(Users)
	mapper.Map[User](Users, func(b *mapper.Builder[User], u *User) {
		// mapper_column_type
		mapper.Column(b, &u.Age, Users.Age)
		// mapper_version_type
		mapper.Version(b, &u.Version)
	})
}
