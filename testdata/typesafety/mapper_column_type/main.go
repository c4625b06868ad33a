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

type User struct {
	ID      int64
	Name    string
	Email   *string
	Age     int64
	Version int64
}

func main() {
	mapper.Map[User](Users, func(b *mapper.Builder[User], u *User) {
		// want: type ore.Col[string] of Users.Name does not match inferred type ore.Col[int64]
		mapper.Column(b, &u.Age, Users.Name)
	})
}
