package ore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
)

var engErrClasses = []error{
	ore.ErrUniqueViolation, ore.ErrForeignKeyViolation, ore.ErrNotNullViolation, ore.ErrCheckViolation,
	ore.ErrSerializationFailure, ore.ErrDeadlock, ore.ErrDisconnect, ore.ErrQueryCanceled,
}

// engExpectErr is what a database error should look like.
type engExpectErr struct {
	class   error
	prefix  string // the start of the message: ore, the operation, the class and where
	pgCode  string
	pgWhere [3]string // constraint, table, column on PostgreSQL
	sqCode  int
	sqWhere [3]string // constraint, table, column on SQLite
}

// engCheckErr checks err against want on db's database.
func engCheckErr(t *testing.T, db *ore.DB, err error, want engExpectErr) {
	t.Helper()
	require.Error(t, err)
	for _, class := range engErrClasses {
		assert.Equal(t, class == want.class, errors.Is(err, class), "errors.Is(err, %v) for %v", class, err)
	}
	var de *dialect.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, want.class, de.Class)
	assert.True(t, strings.HasPrefix(err.Error(), want.prefix), "message %q starts with %q", err.Error(), want.prefix)
	switch db.Dialect().Name() {
	case "postgres":
		var pe *pgconn.PgError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, want.pgCode, pe.Code)
		assert.Equal(t, want.pgCode, de.Code)
		assert.Equal(t, want.pgWhere, [3]string{de.Constraint, de.Table, de.Column})
		assert.Equal(t, want.pgWhere[0], pe.ConstraintName)
		assert.Equal(t, pe.Message, de.Message)
	case "sqlite":
		var se *msqlite.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, want.sqCode, se.Code())
		assert.Equal(t, want.sqWhere, [3]string{de.Constraint, de.Table, de.Column})
	}
}

func TestEngineErrorsConstraints(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		engExec(t, db, `CREATE TABLE eng_items (
			id integer PRIMARY KEY,
			qty integer NOT NULL CONSTRAINT eng_qty_positive CHECK (qty > 0),
			owner bigint REFERENCES users (id)
		)`)
		pg := db.Dialect().Name() == "postgres"
		onPG := func(pgText, sqliteText string) string {
			if pg {
				return pgText
			}
			return sqliteText
		}

		t.Run("unique", func(t *testing.T) {
			ann := "ann@example.com"
			_, err := db.Exec(ctx, ore.Insert(Users).Values(Users.Name.To("ann2"), Users.Email.To(&ann)))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrUniqueViolation,
				prefix:  "ore: insert into users: unique violation on " + onPG("users_email_key: ", "users.email: "),
				pgCode:  "23505",
				pgWhere: [3]string{"users_email_key", "users", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_UNIQUE,
				sqWhere: [3]string{"", "users", "email"},
			})

			_, err = db.Exec(ctx, ore.Insert(Users).Values(Users.ID.To(1), Users.Name.To("again")))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrUniqueViolation,
				prefix:  "ore: insert into users: unique violation on " + onPG("users_pkey: ", "users.id: "),
				pgCode:  "23505",
				pgWhere: [3]string{"users_pkey", "users", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
				sqWhere: [3]string{"", "users", "id"},
			})

			// Several columns: SQLite names them all; the first is kept.
			_, err = db.Exec(ctx, ore.Insert(PostTags).Values(PostTags.PostID.To(1), PostTags.TagID.To(1)))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrUniqueViolation,
				prefix:  "ore: insert into post_tags: unique violation on " + onPG("post_tags_pkey: ", "post_tags.post_id: "),
				pgCode:  "23505",
				pgWhere: [3]string{"post_tags_pkey", "post_tags", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
				sqWhere: [3]string{"", "post_tags", "post_id"},
			})

			// A unique index on an expression: SQLite names the index.
			_, err = db.Exec(ctx, ore.Insert(Users).Values(Users.Name.To("ANN")))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrUniqueViolation,
				prefix:  "ore: insert into users: unique violation on users_lower_name: ",
				pgCode:  "23505",
				pgWhere: [3]string{"users_lower_name", "users", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_UNIQUE,
				sqWhere: [3]string{"users_lower_name", "", ""},
			})

			// An UPDATE says so.
			_, err = db.Exec(ctx, ore.Update(Tags).Set(Tags.Name.To("go")).Where(Tags.Name.Eq("sql")))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrUniqueViolation,
				prefix:  "ore: update tags: unique violation on " + onPG("tags_name_key: ", "tags.name: "),
				pgCode:  "23505",
				pgWhere: [3]string{"tags_name_key", "tags", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_UNIQUE,
				sqWhere: [3]string{"", "tags", "name"},
			})
		})

		t.Run("foreign key", func(t *testing.T) {
			_, err := db.Exec(ctx, ore.Insert(Posts).Values(Posts.UserID.To(99), Posts.Title.To("orphan")))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrForeignKeyViolation,
				prefix:  "ore: insert into posts: foreign key violation" + onPG(" on posts_user_id_fkey: ", ": "),
				pgCode:  "23503",
				pgWhere: [3]string{"posts_user_id_fkey", "posts", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY,
			})
			// Deleting a referenced row: ann manages bob and cid.
			_, err = db.Exec(ctx, ore.Delete(Users).Where(Users.ID.Eq(1)))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrForeignKeyViolation,
				prefix:  "ore: delete from users: foreign key violation" + onPG(" on users_manager_id_fkey: ", ": "),
				pgCode:  "23503",
				pgWhere: [3]string{"users_manager_id_fkey", "users", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY,
			})
		})

		t.Run("not null", func(t *testing.T) {
			_, err := db.Exec(ctx, ore.Insert(Users).Values(Users.Age.To(5)))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrNotNullViolation,
				prefix:  "ore: insert into users: not null violation on users.name: ",
				pgCode:  "23502",
				pgWhere: [3]string{"", "users", "name"},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_NOTNULL,
				sqWhere: [3]string{"", "users", "name"},
			})
			_, err = db.Exec(ctx, ore.Update(Posts).Set(Posts.Title.ToExpr(ore.Null[string]())).Where(Posts.ID.Eq(1)))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrNotNullViolation,
				prefix:  "ore: update posts: not null violation on posts.title: ",
				pgCode:  "23502",
				pgWhere: [3]string{"", "posts", "title"},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_NOTNULL,
				sqWhere: [3]string{"", "posts", "title"},
			})
		})

		t.Run("check", func(t *testing.T) {
			_, err := db.Exec(ctx, ore.SQL[struct{}](`INSERT INTO eng_items (id, qty) VALUES (1, 0)`))
			engCheckErr(t, db, err, engExpectErr{
				class:   ore.ErrCheckViolation,
				prefix:  "ore: exec: check violation on eng_qty_positive: ",
				pgCode:  "23514",
				pgWhere: [3]string{"eng_qty_positive", "eng_items", ""},
				sqCode:  sqlite3.SQLITE_CONSTRAINT_CHECK,
				sqWhere: [3]string{"eng_qty_positive", "", ""},
			})
		})

		t.Run("unclassified", func(t *testing.T) {
			_, err := ore.All(ctx, db, ore.SQL[int64](`SELECT nope FROM users`))
			require.Error(t, err)
			for _, class := range engErrClasses {
				assert.NotErrorIs(t, err, class)
			}
			var de *dialect.Error
			require.ErrorAs(t, err, &de)
			assert.Nil(t, de.Class)
			assert.NotEmpty(t, de.Code)
			assert.Contains(t, de.Message, "nope")
		})

		// The failures left nothing behind.
		n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Users))
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)
		assert.Equal(t, int32(0), engAcquired(db))
	})
}

func TestEngineErrorsConcurrency(t *testing.T) {
	t.Run("postgres deadlock", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{})
		ctx := t.Context()
		loadFixture(t, db)
		bump := func(tx *ore.Tx, name string) error {
			_, err := tx.Exec(ctx, ore.Update(Counters).Set(Counters.Value.To(0)).Where(Counters.Name.Eq(name)))
			return err
		}
		tx1, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		defer tx1.Rollback(ctx)
		tx2, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		defer tx2.Rollback(ctx)
		// tx2 checks for a deadlock soon after it waits; tx1 (default one
		// second) only later, so tx2 is the one chosen to fail.
		engExec(t, tx2, `SET LOCAL deadlock_timeout = '20ms'`)
		require.NoError(t, bump(tx1, "visits"))
		require.NoError(t, bump(tx2, "likes"))
		var err1 error
		var wg sync.WaitGroup
		wg.Go(func() { err1 = bump(tx1, "likes") }) // waits for tx2
		time.Sleep(100 * time.Millisecond)
		err2 := bump(tx2, "visits") // waits for tx1: a deadlock
		require.Error(t, err2)
		require.NoError(t, tx2.Rollback(ctx))
		wg.Wait()
		assert.NoError(t, err1, "tx1 goes on once tx2 is gone")
		require.NoError(t, tx1.Commit(ctx))

		engCheckErr(t, db, err2, engExpectErr{
			class:  ore.ErrDeadlock,
			prefix: "ore: update counters: deadlock: ",
			pgCode: "40P01",
		})
		assert.True(t, dialect.Retryable(err2))
	})

	t.Run("postgres serialization failure", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{})
		_, err := db.Exec(t.Context(), ore.SQL[struct{}](`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`))
		engCheckErr(t, db, err, engExpectErr{
			class:  ore.ErrSerializationFailure,
			prefix: "ore: exec: serialization failure: ",
			pgCode: "40001",
		})
		assert.True(t, dialect.Retryable(err))
	})

	t.Run("sqlite busy", func(t *testing.T) {
		// Another connection holds the write lock past the busy timeout:
		// the transaction cannot go on and should be retried.
		drv, err := sqlite.NewDriver(filepath.Join(t.TempDir(), "busy.db"), sqlite.Options{BusyTimeout: 50 * time.Millisecond})
		require.NoError(t, err)
		db, err := ore.Open(t.Context(), drv, ore.Options{})
		require.NoError(t, err)
		defer db.Close()
		ctx := t.Context()
		engExec(t, db, `CREATE TABLE t (v integer)`)
		holder, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		defer holder.Rollback(ctx)
		engExec(t, holder, `INSERT INTO t VALUES (1)`)

		start := time.Now()
		_, err = db.Begin(ctx, ore.TxOptions{})
		assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond, "it waited for the busy timeout")
		engCheckErr(t, db, err, engExpectErr{
			class:  ore.ErrSerializationFailure,
			prefix: "ore: begin: serialization failure: ",
			sqCode: sqlite3.SQLITE_BUSY,
		})
		assert.True(t, dialect.Retryable(err))
		_, err = db.Exec(ctx, ore.SQL[struct{}](`INSERT INTO t VALUES (2)`))
		assert.ErrorIs(t, err, ore.ErrSerializationFailure)
		require.NoError(t, holder.Commit(ctx))
		engExec(t, db, `INSERT INTO t VALUES (3)`)
		assert.Equal(t, int32(0), engAcquired(db))
	})

	t.Run("canceled before the statement", func(t *testing.T) {
		testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
			assert.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, int32(0), engAcquired(db))
		})
	})
}
