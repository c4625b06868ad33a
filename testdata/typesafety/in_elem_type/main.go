package main

import "github.com/ore-go/ore"

type usersTable struct {
	ore.Table
	ID    ore.Col[int64]   `ore:"id,pk"`
	Name  ore.Col[string]  `ore:"name"`
	Email ore.Col[*string] `ore:"email"`
}

var Users = ore.NewTable[usersTable]("users")

func main() {
	ids := []int{1, 2, 3}
	// want: cannot use ids (variable of type []int) as []int64 value
	_ = ore.Select1(Users.ID).From(Users).Where(Users.ID.In(ids...))
}
