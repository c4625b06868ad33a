package session_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// Select-in loading (spec REL-06, REL-10, REL-11); the other strategies
// are tested in loading_test.go.

const (
	eagerSelectUsers     = "SELECT users.id, users.name FROM users ORDER BY users.id"
	eagerSelectAddresses = "SELECT addresses.id, addresses.user_id, addresses.email_address FROM addresses"
)

func userAddresses(u *User) *mapper.Many[Address] { return &u.Addresses }
func addressUser(a *Address) *mapper.One[User]    { return &a.User }

// eagerSeed makes users ed (two addresses), wendy (one) and jack (none),
// and an address of nobody.
func eagerSeed(e *env) {
	e.seedUsers("ed", "wendy", "jack")
	for _, a := range []struct {
		user  *int64
		email string
	}{{ptr(int64(1)), "ed@a"}, {ptr(int64(2)), "wendy@a"}, {ptr(int64(1)), "ed@b"}, {nil, "nobody@a"}} {
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(a.user), Addresses.EmailAddress.To(a.email)))
	}
}

func ptr[T any](v T) *T { return &v }

func emails(addrs []*Address) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, a.EmailAddress)
	}
	return out
}

func TestREL06_SelectInCollections(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).Options(session.SelectIn(userAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 3)
		assert.Equal(t, []string{
			eagerSelectUsers,
			eagerSelectAddresses + " WHERE addresses.user_id IN (?, ?, ?) ORDER BY addresses.id",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(2), int64(3)}, e.args[1])

		// Every collection is loaded, in the relationship's order; jack's
		// is empty and loaded too (REL-10). Reading them costs no SQL.
		e.reset()
		want := [][]string{{"ed@a", "ed@b"}, {"wendy@a"}, nil}
		for i, u := range users {
			assert.True(t, u.Addresses.Loaded(), u.Name)
			got, err := u.Addresses.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, want[i], emails(got), u.Name)
		}
		assert.Empty(t, e.sql())

		// Loaded collections are not loaded again by a later query.
		_, err = session.Query[User](s).Options(session.SelectIn(userAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{eagerSelectUsers}, e.sql())
	})
}

func TestREL06_SelectInReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		addrs, err := session.Query[Address](s).Options(session.SelectIn(addressUser)).OrderBy(Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, addrs, 4)
		// The IN is over the distinct foreign keys, against the users'
		// primary key; the address of nobody asks for nothing.
		assert.Equal(t, []string{
			eagerSelectAddresses + " ORDER BY addresses.id",
			"SELECT users.id, users.name FROM users WHERE users.id IN (?, ?)",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(2)}, e.args[1])
		e.reset()
		var names []string
		for _, a := range addrs {
			assert.True(t, a.User.Loaded())
			u, err := a.User.Get(e.ctx)
			require.NoError(t, err)
			if u == nil {
				names = append(names, "")
			} else {
				names = append(names, u.Name)
			}
		}
		assert.Equal(t, []string{"ed", "wendy", "ed", ""}, names)
		assert.Empty(t, e.sql())
		assert.Same(t, addrs[0].User.Value(), addrs[2].User.Value(), "one object per row")

		// Users the identity map has cost no SQL.
		require.NoError(t, s.Close(e.ctx))
		s2 := e.session()
		ed, err := session.Get[User](e.ctx, s2, 1)
		require.NoError(t, err)
		e.reset()
		addrs, err = session.Query[Address](s2).Where(Addresses.UserID.Eq(ptr(int64(1)))).Options(session.SelectIn(addressUser)).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, addrs, 2)
		assert.Len(t, e.sql(), 1)
		assert.Same(t, ed, addrs[0].User.Value())
	})
}

func TestREL11_StatementCounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		// count returns the statements a query of the 3 users costs, with
		// every user's addresses read, and their orders too with orders.
		count := func(orders bool, opts ...session.LoadOption[User]) int {
			s := e.session()
			defer s.Close(e.ctx)
			e.reset()
			users, err := session.Query[User](s).Options(opts...).OrderBy(Users.ID).All(e.ctx)
			require.NoError(t, err)
			require.Len(t, users, 3)
			for _, u := range users {
				_, err := u.Addresses.Get(e.ctx)
				require.NoError(t, err)
				if orders {
					_, err := u.Orders.Get(e.ctx)
					require.NoError(t, err)
				}
			}
			return len(e.sql())
		}
		assert.Equal(t, 1+3, count(false), "lazy")
		assert.Equal(t, 2, count(false, session.SelectIn(userAddresses)), "select-in")
		assert.Equal(t, 1, count(false, session.Joined(userAddresses)), "joined")
		// The last option for a relationship wins.
		assert.Equal(t, 1+3, count(false, session.SelectIn(userAddresses), session.Lazy(userAddresses)), "select-in, then lazy")
		assert.Equal(t, 1, count(false, session.SelectIn(userAddresses), session.Joined(userAddresses)), "select-in, then joined")

		// Two relationships: each select-in one costs a statement, joined
		// ones none.
		assert.Equal(t, 1+3+3, count(true), "lazy, lazy")
		assert.Equal(t, 1, count(true, session.Joined(userAddresses), session.Joined(userOrders)), "joined, joined")
		assert.Equal(t, 2, count(true, session.Joined(userAddresses), session.SelectIn(userOrders)), "joined, select-in")
		assert.Equal(t, 3, count(true, session.SelectIn(userAddresses), session.SelectIn(userOrders)), "select-in, select-in")
		assert.Equal(t, 1+3, count(true, session.Joined(userAddresses)), "joined, lazy")
	})
}

func TestREL06_SelectInChunksOf500(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const n = 501
		ins := ore.Insert(Users)
		for i := range n {
			ins = ins.Values(Users.Name.To(fmt.Sprintf("u%03d", i)))
		}
		e.exec(ins)
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(ptr(int64(n))), Addresses.EmailAddress.To("last@a")))
		users, err := session.Query[User](e.session()).Options(session.SelectIn(userAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, n)
		stmts := e.sql()
		require.Len(t, stmts, 3, "the users, then two chunks of addresses")
		assert.Equal(t, 500, strings.Count(stmts[1], "?"))
		assert.Equal(t, 1, strings.Count(stmts[2], "?"))
		assert.Equal(t, []string{"last@a"}, emails(users[n-1].Addresses.Items()))
		assert.True(t, users[0].Addresses.Loaded())
		assert.Zero(t, users[0].Addresses.Len())
	})
}

func TestLoadOptionErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var other User
		_, err := session.Query[User](e.session()).
			Options(session.SelectIn(func(*User) *mapper.Many[Address] { return &other.Addresses })).
			All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "not a relationship of User")

		// Nested options are checked against the related type.
		var stray Address
		_, err = session.Query[User](e.session()).
			Options(session.SelectIn(userAddresses, session.Joined(func(*Address) *mapper.One[User] { return &stray.User }))).
			All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "not a relationship of Address")
		_, err = session.Query[User](e.session()).Options(session.LoadOption[User]{}).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		_, err = session.Query[User](e.session()).Options(session.Joined(userAddresses, session.LoadOption[Address]{})).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Empty(t, e.sql())
	})
}

func TestREL03_ManyToOneThroughTheIdentityMap(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		addrs, err := session.Query[Address](s).OrderBy(Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		e.reset()
		ed, err := addrs[0].User.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, "ed", ed.Name)
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users WHERE users.id = ?"}, e.sql())

		// ed is in the identity map now: his other address finds him
		// without SQL, and the address of nobody is nil without SQL.
		e.reset()
		again, err := addrs[2].User.Get(e.ctx)
		require.NoError(t, err)
		assert.Same(t, ed, again)
		nobody, err := addrs[3].User.Get(e.ctx)
		require.NoError(t, err)
		assert.Nil(t, nobody)
		assert.Empty(t, e.sql())
	})
}
