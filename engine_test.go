package ore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/internal/testdb"
)

// loadFixture creates the fixture schema and rows of fixture_test.go.
func loadFixture(t *testing.T, db *ore.DB) {
	t.Helper()
	_, err := db.Exec(context.Background(), ore.SQL[struct{}](fixtureDDL[db.Dialect().Name()]))
	require.NoError(t, err)
}

type user struct {
	ID        int64
	Name      string
	Email     *string
	Age       int32
	Active    bool
	CreatedAt time.Time
}

func TestEngineSmoke(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		loadFixture(t, db)

		users, err := ore.All(ctx, db, ore.Select[user](Users.ID, Users.Name, Users.Email, Users.Age, Users.Active, Users.CreatedAt).From(Users).OrderBy(Users.ID))
		require.NoError(t, err)
		require.Len(t, users, 4)
		assert.Equal(t, "ann", users[0].Name)
		require.NotNil(t, users[0].Email)
		assert.Equal(t, "ann@example.com", *users[0].Email)
		assert.Nil(t, users[1].Email)
		assert.Equal(t, int32(34), users[0].Age)
		assert.True(t, users[0].Active)
		assert.False(t, users[2].Active)
		assert.True(t, users[0].CreatedAt.Equal(time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)), "%v", users[0].CreatedAt)

		pairs, err := ore.All(ctx, db, ore.Select2(Users.ID, Users.Name).From(Users).Where(Users.Age.Gt(30)).OrderBy(Users.ID))
		require.NoError(t, err)
		assert.Equal(t, []ore.Row2[int64, string]{{V1: 1, V2: "ann"}, {V1: 3, V2: "cid"}}, pairs)

		n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Posts))
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)

		id, err := ore.Scalar(ctx, db, ore.Into[int64](ore.Insert(Users).Values(Users.Name.To("eve"), Users.Age.To(22)).Returning(Users.ID)))
		require.NoError(t, err)
		assert.Greater(t, id, int64(4))

		_, err = ore.One(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.ID.Eq(999)))
		assert.ErrorIs(t, err, ore.ErrNoRows)

		_, err = db.Exec(ctx, ore.Insert(Users).Values(Users.Name.To("x"), Users.Email.To(users[0].Email)))
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)
		t.Log(err)

		var names []string
		for name, err := range ore.Each(ctx, db, ore.Select1(Users.Name).From(Users).OrderBy(Users.Name)) {
			require.NoError(t, err)
			names = append(names, name)
			if len(names) == 2 {
				break
			}
		}
		assert.Equal(t, []string{"ann", "bob"}, names)
		st := db.Stats().Pool
		assert.Equal(t, int32(0), st.Acquired())
	})
}
