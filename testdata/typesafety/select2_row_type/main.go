package main

import "github.com/ore-go/ore"

type usersTable struct {
	ore.Table
	ID    ore.Col[int64]   `ore:"id,pk"`
	Name  ore.Col[string]  `ore:"name"`
	Email ore.Col[*string] `ore:"email"`
}

var Users = ore.NewTable[usersTable]("users")

// names needs rows of two strings.
func names(q ore.Query[ore.Row2[string, string]]) {}

func main() {
	// want: ore.SelectStmt[ore.Row2[int64, string]] does not implement ore.Query[ore.Row2[string, string]]
	names(ore.Select2(Users.ID, Users.Name).From(Users))
}
