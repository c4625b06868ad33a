package session_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/session"
)

func TestSmoke(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		u := &User{Name: "ed"}
		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(u))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.NotZero(t, u.ID)
		t.Log(e.sql())
		e.reset()
		got, err := session.Get[User](e.ctx, s, u.ID)
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Empty(t, e.sql())
		u.Name = "fred"
		require.NoError(t, s.Commit(e.ctx))
		t.Log(e.sql())
		e.reset()
		s2 := e.session()
		us, err := session.Query[User](s2).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, "fred", us[0].Name)
		var batch []*User
		for i := 0; i < 5; i++ {
			batch = append(batch, &User{Name: "b"})
		}
		for _, b := range batch {
			require.NoError(t, s2.Add(b))
		}
		require.NoError(t, s2.Flush(e.ctx))
		for i, b := range batch {
			assert.Equal(t, int64(i+2), b.ID)
		}
		require.NoError(t, s2.Delete(us[0]))
		require.NoError(t, s2.Commit(e.ctx))
		t.Log(e.sql())
	})
}
