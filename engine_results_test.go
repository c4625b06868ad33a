package ore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/pool"
)

// engExec runs raw SQL on q and fails the test on error.
func engExec(t *testing.T, q interface {
	Exec(context.Context, ore.Statement, ...ore.ParamValue) (ore.Result, error)
}, sql string, args ...any) ore.Result {
	t.Helper()
	r, err := q.Exec(t.Context(), ore.SQL[struct{}](sql, args...))
	require.NoError(t, err, sql)
	return r
}

// engAcquired returns how many connections of db are out of its pool.
func engAcquired(db *ore.DB) int32 { return db.Stats().Pool.Acquired() }

// ----------------------------------------------------------------------------
// Structs

type engTagged struct {
	Ident int64  `ore:"id"`
	Label string `ore:"name,size=100"` // options after the name are ignored
	Skip  string `ore:"-"`
}

type engDBTagged struct {
	Ident int64  `db:"id"`
	Label string `db:"name"`
}

// engByName has no tags: manager_id matches ManagerID, CREATED_AT matches
// CreatedAt.
type engByName struct {
	ID        int64
	ManagerID *int64
	CreatedAt time.Time
}

type engBase struct {
	ID   int64
	Name string
}

type engEmbedded struct {
	engBase
	Age   int32
	Stamp struct{ Note string } `ore:"note"` // a tagged struct field is not flattened
}

type engIDName struct {
	ID   int64
	Name string
}

func TestEngineResultsStructs(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		t.Run("ore tag", func(t *testing.T) {
			got, err := ore.All(ctx, db, ore.Select[engTagged](Users.ID, Users.Name).From(Users).Where(Users.ID.Le(2)).OrderBy(Users.ID))
			require.NoError(t, err)
			assert.Equal(t, []engTagged{{Ident: 1, Label: "ann"}, {Ident: 2, Label: "bob"}}, got)
		})
		t.Run("db tag", func(t *testing.T) {
			got, err := ore.One(ctx, db, ore.Select[engDBTagged](Users.Name, Users.ID).From(Users).Where(Users.ID.Eq(3)))
			require.NoError(t, err)
			assert.Equal(t, engDBTagged{Ident: 3, Label: "cid"}, got)
		})
		t.Run("name ignoring case and underscores", func(t *testing.T) {
			got, err := ore.One(ctx, db, ore.SQL[engByName](`SELECT id, manager_id, created_at AS "CREATED_AT" FROM users WHERE id = ?`, 4))
			require.NoError(t, err)
			assert.Equal(t, int64(4), got.ID)
			require.NotNil(t, got.ManagerID)
			assert.Equal(t, int64(2), *got.ManagerID)
			assert.True(t, got.CreatedAt.Equal(time.Date(2024, 4, 5, 8, 15, 0, 0, time.UTC)), "%v", got.CreatedAt)
		})
		t.Run("embedded struct", func(t *testing.T) {
			got, err := ore.All(ctx, db, ore.SQL[engEmbedded](`SELECT age, name, id FROM users WHERE id IN (1, 2) ORDER BY id`))
			require.NoError(t, err)
			assert.Equal(t, []engEmbedded{
				{engBase: engBase{ID: 1, Name: "ann"}, Age: 34},
				{engBase: engBase{ID: 2, Name: "bob"}, Age: 27},
			}, got)
		})
		t.Run("pointer to struct", func(t *testing.T) {
			got, err := ore.All(ctx, db, ore.Select[*engIDName](Users.ID, Users.Name).From(Users).OrderBy(Users.ID.Desc()).Limit(2))
			require.NoError(t, err)
			require.Len(t, got, 2)
			// Each row gets its own struct.
			assert.NotSame(t, got[0], got[1])
			assert.Equal(t, &engIDName{ID: 4, Name: "dee"}, got[0])
			assert.Equal(t, &engIDName{ID: 3, Name: "cid"}, got[1])

			one, err := ore.First(ctx, db, ore.Select[*engIDName](Users.ID, Users.Name).From(Users).OrderBy(Users.ID))
			require.NoError(t, err)
			assert.Equal(t, &engIDName{ID: 1, Name: "ann"}, one)
		})
		t.Run("same struct, other column lists", func(t *testing.T) {
			// Scan plans are cached per column list: a second list must
			// not reuse the first one's plan.
			a, err := ore.One(ctx, db, ore.SQL[engIDName](`SELECT id, name FROM users WHERE id = 1`))
			require.NoError(t, err)
			b, err := ore.One(ctx, db, ore.SQL[engIDName](`SELECT name, id FROM users WHERE id = 1`))
			require.NoError(t, err)
			c, err := ore.One(ctx, db, ore.SQL[engIDName](`SELECT name FROM users WHERE id = 1`))
			require.NoError(t, err)
			assert.Equal(t, engIDName{ID: 1, Name: "ann"}, a)
			assert.Equal(t, a, b)
			assert.Equal(t, engIDName{Name: "ann"}, c)
		})
		t.Run("two columns on one field", func(t *testing.T) {
			_, err := ore.All(ctx, db, ore.SQL[engIDName](`SELECT id, id AS "ID" FROM users`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ID")
			assert.Equal(t, int32(0), engAcquired(db))
		})
	})
}

func TestEngineResultsTuplesMapsValues(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		ann := Users.ID.Eq(1)

		r2, err := ore.One(ctx, db, ore.Select2(Users.ID, Users.Name).From(Users).Where(ann))
		require.NoError(t, err)
		assert.Equal(t, ore.Row2[int64, string]{V1: 1, V2: "ann"}, r2)
		id, name := r2.Values()
		assert.Equal(t, int64(1), id)
		assert.Equal(t, "ann", name)

		r3, err := ore.One(ctx, db, ore.Select3(Users.ID, Users.Name, Users.Email).From(Users).Where(ann))
		require.NoError(t, err)
		require.NotNil(t, r3.V3)
		assert.Equal(t, "ann@example.com", *r3.V3)

		r4, err := ore.One(ctx, db, ore.Select4(Users.ID, Users.Name, Users.Age, Users.Active).From(Users).Where(ann))
		require.NoError(t, err)
		assert.Equal(t, ore.Row4[int64, string, int32, bool]{V1: 1, V2: "ann", V3: 34, V4: true}, r4)

		r5, err := ore.One(ctx, db, ore.Select5(Users.ID, Users.Name, Users.Age, Users.Active, Users.Score).From(Users).Where(Users.ID.Eq(2)))
		require.NoError(t, err)
		assert.Equal(t, ore.Row5[int64, string, int32, bool, float64]{V1: 2, V2: "bob", V3: 27, V4: true, V5: 7.25}, r5)

		r6, err := ore.All(ctx, db, ore.Select6(Users.ID, Users.Name, Users.Age, Users.Active, Users.ManagerID, Users.Nickname).From(Users).Where(Users.ID.In(1, 2)).OrderBy(Users.ID))
		require.NoError(t, err)
		require.Len(t, r6, 2)
		assert.Nil(t, r6[0].V5)
		assert.Equal(t, sql.Null[string]{V: "annie", Valid: true}, r6[0].V6)
		require.NotNil(t, r6[1].V5)
		assert.Equal(t, int64(1), *r6[1].V5)
		assert.Equal(t, sql.Null[string]{}, r6[1].V6)

		// A tuple needs exactly its number of columns.
		_, err = ore.All(ctx, db, ore.SQL[ore.Row2[int64, string]](`SELECT id, name, age FROM users`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "3 columns")

		m, err := ore.One(ctx, db, ore.SQL[map[string]any](`SELECT id, name, email, age FROM users WHERE id = 2`))
		require.NoError(t, err)
		// A map holds the driver's own values: pgx gives an integer column as
		// int32, SQLite has only 64-bit integers.
		age := map[string]any{"postgres": int32(27), "sqlite": int64(27)}[db.Dialect().Name()]
		assert.Equal(t, map[string]any{"id": int64(2), "name": "bob", "email": nil, "age": age}, m)

		ms, err := ore.All(ctx, db, ore.SQL[map[string]any](`SELECT name FROM users WHERE id < 3 ORDER BY id`))
		require.NoError(t, err)
		assert.Equal(t, []map[string]any{{"name": "ann"}, {"name": "bob"}}, ms)

		names, err := ore.All(ctx, db, ore.Select1(Users.Name).From(Users).OrderBy(Users.Name.Desc()))
		require.NoError(t, err)
		assert.Equal(t, []string{"dee", "cid", "bob", "ann"}, names)

		emails, err := ore.All(ctx, db, ore.Select1(Users.Email).From(Users).OrderBy(Users.ID))
		require.NoError(t, err)
		require.Len(t, emails, 4)
		assert.Nil(t, emails[1])
		require.NotNil(t, emails[3])
		assert.Equal(t, "dee@example.com", *emails[3])

		none, err := ore.All(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.ID.Eq(99)))
		require.NoError(t, err)
		assert.Empty(t, none)

		// A single value needs a single column.
		_, err = ore.All(ctx, db, ore.SQL[int64](`SELECT id, age FROM users`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "2 columns")
		assert.Equal(t, int32(0), engAcquired(db))
	})
}

// ----------------------------------------------------------------------------
// Go types

type engStatus string

type engLevel int16

// engUpper is an sql.Scanner that upper-cases text.
type engUpper string

func (u *engUpper) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*u = ""
	case string:
		*u = engUpper(strings.ToUpper(v))
	case []byte:
		*u = engUpper(strings.ToUpper(string(v)))
	default:
		return fmt.Errorf("engUpper: cannot scan %T", src)
	}
	return nil
}

// engPoint is a struct that scans whole from one text column ("x,y"), so it
// must not be taken for a row struct.
type engPoint struct{ X, Y int }

func (p *engPoint) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*p = engPoint{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("engPoint: cannot scan %T", src)
	}
	_, err := fmt.Sscanf(s, "%d,%d", &p.X, &p.Y)
	return err
}

var engTime = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

var engBytes = []byte{0x00, 0xff, 0x10}

// engLoadKinds creates eng_kinds: row 1 holds a value of every column type,
// row 2 only NULLs.
func engLoadKinds(t *testing.T, db *ore.DB) {
	ddl := map[string]string{
		"postgres": `CREATE TABLE eng_kinds (id integer PRIMARY KEY, i bigint, f double precision, s text, b boolean, t timestamptz, bin bytea)`,
		"sqlite":   `CREATE TABLE eng_kinds (id INTEGER PRIMARY KEY, i INTEGER, f REAL, s TEXT, b BOOLEAN, t DATETIME, bin BLOB)`,
	}
	engExec(t, db, ddl[db.Dialect().Name()])
	engExec(t, db, `INSERT INTO eng_kinds VALUES (1, ?, ?, ?, ?, ?, ?), (2, NULL, NULL, NULL, NULL, NULL, NULL)`,
		int64(42), 2.5, "hello", true, engTime, engBytes)
}

// engScan scans column expression col of eng_kinds row id into a T.
func engScan[T any](t *testing.T, db *ore.DB, col string, id int) (T, error) {
	return ore.Scalar(t.Context(), db, ore.SQL[T]("SELECT "+col+" FROM eng_kinds WHERE id = ?", id))
}

// engScanType checks that col of row 1 scans into T as want, into *T as a
// pointer to want, into sql.Null[T] as a valid want; and that row 2's NULL
// scans into *T as nil, into sql.Null[T] as invalid, and fails into T
// unless T is []byte, where NULL is a nil slice (as in database/sql).
func engScanType[T any](t *testing.T, db *ore.DB, col string, want T) {
	t.Run(fmt.Sprintf("%s into %T", col, want), func(t *testing.T) {
		eq := func(got T) {
			t.Helper()
			if w, ok := any(want).(time.Time); ok {
				assert.True(t, w.Equal(any(got).(time.Time)), "got %v, want %v", got, want)
				return
			}
			assert.Equal(t, want, got)
		}
		v, err := engScan[T](t, db, col, 1)
		if assert.NoError(t, err) {
			eq(v)
		}
		p, err := engScan[*T](t, db, col, 1)
		if assert.NoError(t, err) && assert.NotNil(t, p) {
			eq(*p)
		}
		n, err := engScan[sql.Null[T]](t, db, col, 1)
		if assert.NoError(t, err) {
			assert.True(t, n.Valid)
			eq(n.V)
		}

		p, err = engScan[*T](t, db, col, 2)
		assert.NoError(t, err)
		assert.Nil(t, p)
		n, err = engScan[sql.Null[T]](t, db, col, 2)
		assert.NoError(t, err)
		assert.False(t, n.Valid)
		v, err = engScan[T](t, db, col, 2)
		if b, ok := any(v).([]byte); ok {
			assert.NoError(t, err)
			assert.Nil(t, b)
			return
		}
		assert.Error(t, err, "NULL into %T", want)
	})
}

func TestEngineResultsGoTypes(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		engLoadKinds(t, db)

		engScanType(t, db, "i", int64(42))
		engScanType(t, db, "i", int32(42))
		engScanType(t, db, "i", int16(42))
		engScanType(t, db, "i", int(42))
		engScanType(t, db, "i", uint(42))
		engScanType(t, db, "i", uint8(42))
		engScanType(t, db, "i", uint16(42))
		engScanType(t, db, "i", uint32(42))
		engScanType(t, db, "i", uint64(42))
		engScanType(t, db, "i", engLevel(42))
		engScanType(t, db, "f", 2.5)
		engScanType(t, db, "f", float32(2.5))
		engScanType(t, db, "s", "hello")
		engScanType(t, db, "s", engStatus("hello"))
		engScanType(t, db, "b", true)
		engScanType(t, db, "t", engTime)
		engScanType(t, db, "bin", engBytes)

		t.Run("sql.Scanner", func(t *testing.T) {
			u, err := engScan[engUpper](t, db, "s", 1)
			require.NoError(t, err)
			assert.Equal(t, engUpper("HELLO"), u)
			// A Scanner sees NULL itself.
			u, err = engScan[engUpper](t, db, "s", 2)
			require.NoError(t, err)
			assert.Equal(t, engUpper(""), u)

			pt, err := ore.Scalar(t.Context(), db, ore.SQL[engPoint](`SELECT '3,4'`))
			require.NoError(t, err)
			assert.Equal(t, engPoint{3, 4}, pt)

			type withScanners struct {
				S   engUpper
				Pos engPoint
				Ptr *engPoint
			}
			ws, err := ore.One(t.Context(), db, ore.SQL[withScanners](`SELECT s, '5,6' AS pos, '7,8' AS ptr FROM eng_kinds WHERE id = 1`))
			require.NoError(t, err)
			assert.Equal(t, withScanners{S: "HELLO", Pos: engPoint{5, 6}, Ptr: &engPoint{7, 8}}, ws)
		})

		t.Run("out of range", func(t *testing.T) {
			_, err := ore.Scalar(t.Context(), db, ore.SQL[uint32](`SELECT -1`))
			assert.Error(t, err, "-1 into uint32")
			_, err = ore.Scalar(t.Context(), db, ore.SQL[uint8](`SELECT 300`))
			assert.Error(t, err, "300 into uint8")
			_, err = ore.Scalar(t.Context(), db, ore.SQL[int32](`SELECT 3000000000`))
			assert.Error(t, err, "3000000000 into int32")
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("struct of every type", func(t *testing.T) {
			type values struct {
				I64    int64
				I32    int32
				N      int
				U      uint
				U8     uint8
				U16    uint16
				U32    uint32
				U64    uint64
				F64    float64
				F32    float32
				S      string
				B      bool
				T      time.Time
				Bin    []byte
				Status engStatus
				Level  engLevel
			}
			const cols = `i AS i64, i AS i32, i AS n, i AS u, i AS u8, i AS u16, i AS u32, i AS u64,
				f AS f64, f AS f32, s, b, t, bin, s AS status, i AS level`
			v, err := ore.One(t.Context(), db, ore.SQL[values](`SELECT `+cols+` FROM eng_kinds WHERE id = 1`))
			require.NoError(t, err)
			assert.True(t, v.T.Equal(engTime), "%v", v.T)
			v.T = time.Time{}
			assert.Equal(t, values{
				I64: 42, I32: 42, N: 42, U: 42, U8: 42, U16: 42, U32: 42, U64: 42,
				F64: 2.5, F32: 2.5, S: "hello", B: true, Bin: engBytes, Status: "hello", Level: 42,
			}, v)

			type pointers struct {
				I64    *int64
				I32    *int32
				N      *int
				U      *uint
				U8     *uint8
				U16    *uint16
				U32    *uint32
				U64    *uint64
				F64    *float64
				F32    *float32
				S      *string
				B      *bool
				T      *time.Time
				Bin    *[]byte
				Status *engStatus
				Level  *engLevel
			}
			ps, err := ore.All(t.Context(), db, ore.SQL[pointers](`SELECT `+cols+` FROM eng_kinds ORDER BY id`))
			require.NoError(t, err)
			require.Len(t, ps, 2)
			p := ps[0]
			if assert.NotNil(t, p.T) {
				assert.True(t, p.T.Equal(engTime), "%v", *p.T)
			}
			p.T = nil
			i64, i32, n, u, u8, u16, u32, u64 := int64(42), int32(42), 42, uint(42), uint8(42), uint16(42), uint32(42), uint64(42)
			f64, f32, s, b, bin, st, lv := 2.5, float32(2.5), "hello", true, engBytes, engStatus("hello"), engLevel(42)
			assert.Equal(t, pointers{
				I64: &i64, I32: &i32, N: &n, U: &u, U8: &u8, U16: &u16, U32: &u32, U64: &u64,
				F64: &f64, F32: &f32, S: &s, B: &b, Bin: &bin, Status: &st, Level: &lv,
			}, p)
			assert.Equal(t, pointers{}, ps[1])

			type nulls struct {
				I64 sql.Null[int64]
				I32 sql.Null[int32]
				F64 sql.Null[float64]
				S   sql.Null[string]
				B   sql.Null[bool]
				T   sql.Null[time.Time]
				Bin sql.Null[[]byte]
			}
			ns, err := ore.All(t.Context(), db, ore.SQL[nulls](`SELECT i AS i64, i AS i32, f AS f64, s, b, t, bin FROM eng_kinds ORDER BY id`))
			require.NoError(t, err)
			require.Len(t, ns, 2)
			assert.True(t, ns[0].T.Valid)
			assert.True(t, ns[0].T.V.Equal(engTime), "%v", ns[0].T.V)
			ns[0].T = sql.Null[time.Time]{}
			assert.Equal(t, nulls{
				I64: sql.Null[int64]{V: 42, Valid: true}, I32: sql.Null[int32]{V: 42, Valid: true},
				F64: sql.Null[float64]{V: 2.5, Valid: true}, S: sql.Null[string]{V: "hello", Valid: true},
				B: sql.Null[bool]{V: true, Valid: true}, Bin: sql.Null[[]byte]{V: engBytes, Valid: true},
			}, ns[0])
			assert.Equal(t, nulls{}, ns[1])
		})
	})
}

// ----------------------------------------------------------------------------
// Errors

func TestEngineResultsErrors(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		t.Run("column with no field", func(t *testing.T) {
			_, err := ore.All(ctx, db, ore.Select[engIDName](Users.ID, Users.Name, Users.Nickname).From(Users))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"nickname"`)
			_, err = ore.One(ctx, db, ore.SQL[engIDName](`SELECT id, name, age AS years FROM users WHERE id = 1`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"years"`)
		})
		t.Run("no rows", func(t *testing.T) {
			q := ore.Select1(Users.Name).From(Users).Where(Users.ID.Eq(99))
			_, err := ore.One(ctx, db, q)
			assert.ErrorIs(t, err, ore.ErrNoRows)
			assert.ErrorIs(t, err, sql.ErrNoRows)
			_, err = ore.First(ctx, db, q)
			assert.ErrorIs(t, err, ore.ErrNoRows)
			_, err = ore.Scalar(ctx, db, q)
			assert.ErrorIs(t, err, sql.ErrNoRows)
			_, err = ore.One(ctx, db, ore.Select[engIDName](Users.ID, Users.Name).From(Users).Where(Users.ID.Eq(99)))
			assert.ErrorIs(t, err, ore.ErrNoRows)
		})
		t.Run("too many rows", func(t *testing.T) {
			q := ore.Select1(Users.Name).From(Users).OrderBy(Users.ID)
			_, err := ore.One(ctx, db, q)
			assert.ErrorIs(t, err, ore.ErrTooManyRows)
			_, err = ore.Scalar(ctx, db, q)
			assert.ErrorIs(t, err, ore.ErrTooManyRows)
			// First takes the first and ignores the rest.
			first, err := ore.First(ctx, db, q)
			require.NoError(t, err)
			assert.Equal(t, "ann", first)
		})
		t.Run("scalar of two columns", func(t *testing.T) {
			_, err := ore.Scalar(ctx, db, ore.Select2(Users.ID, Users.Name).From(Users).Where(Users.ID.Eq(1)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "2 columns")
		})
		t.Run("NULL into a non-pointer", func(t *testing.T) {
			_, err := ore.Scalar(ctx, db, ore.SQL[string](`SELECT email FROM users WHERE id = 2`))
			assert.Error(t, err)
			type noPtr struct {
				ID    int64
				Email string
			}
			_, err = ore.All(ctx, db, ore.SQL[noPtr](`SELECT id, email FROM users ORDER BY id`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "email")
		})
		t.Run("error before the first row", func(t *testing.T) {
			// The database's error, not a complaint about the columns of a
			// result that never came.
			q := ore.SQL[int64](`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 3)
				SELECT CASE WHEN x = 1 THEN abs(x - 1 - 9223372036854775807 - 1) ELSE x END FROM s`)
			check := func(err error) {
				t.Helper()
				require.Error(t, err)
				var de *dialect.Error
				assert.ErrorAs(t, err, &de)
				assert.NotContains(t, err.Error(), "columns")
			}
			_, err := ore.Scalar(ctx, db, q)
			check(err)
			_, err = ore.One(ctx, db, q)
			check(err)
			_, err = ore.All(ctx, db, q)
			check(err)
			for _, err := range ore.Each(ctx, db, q) {
				check(err)
			}
			rows, err := db.Query(ctx, q)
			if err == nil {
				assert.False(t, rows.Next())
				err = rows.Err()
			}
			check(err)
		})
		t.Run("bad statement", func(t *testing.T) {
			_, err := ore.All(ctx, db, ore.SQL[int64](`SELECT nope FROM users`))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "ore: "), err.Error())
			_, err = ore.All(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.ID.In()))
			assert.Error(t, err, "an empty IN list is a build error")
		})
		// No error path keeps a connection.
		assert.Equal(t, int32(0), engAcquired(db))
	})
}

// ----------------------------------------------------------------------------
// Each

// engSeries counts from 1 to n in a recursive CTE, which both databases
// produce a row at a time.
func engSeries(n int) string {
	return fmt.Sprintf(`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %d) SELECT x FROM s`, n)
}

func TestEngineResultsEach(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 1}, func(t *testing.T, db *ore.DB) {
		loadFixture(t, db)

		t.Run("all rows", func(t *testing.T) {
			var got []engIDName
			for u, err := range ore.Each(t.Context(), db, ore.Select[engIDName](Users.ID, Users.Name).From(Users).OrderBy(Users.ID)) {
				require.NoError(t, err)
				got = append(got, u)
			}
			assert.Equal(t, []engIDName{{1, "ann"}, {2, "bob"}, {3, "cid"}, {4, "dee"}}, got)
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("streams", func(t *testing.T) {
			// A billion rows: only a result that streams gives its first
			// rows, and only one whose early end stops the query returns
			// soon after the break.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			start := time.Now()
			var got []int64
			for x, err := range ore.Each(ctx, db, ore.SQL[int64](engSeries(1_000_000_000))) {
				require.NoError(t, err)
				got = append(got, x)
				if len(got) == 3 {
					break
				}
			}
			assert.Equal(t, []int64{1, 2, 3}, got)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Equal(t, int32(0), engAcquired(db), "the break returned the connection")

			// The connection (the only one) works, outside and inside a
			// transaction.
			n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Users))
			require.NoError(t, err)
			assert.Equal(t, int64(4), n)
		})

		t.Run("early break inside a transaction", func(t *testing.T) {
			ctx := t.Context()
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			defer tx.Rollback(ctx)
			engExec(t, tx, `UPDATE counters SET value = 99 WHERE name = 'likes'`)
			var got []int64
			for x, err := range ore.Each(ctx, tx, ore.SQL[int64](engSeries(100_000))) {
				require.NoError(t, err)
				got = append(got, x)
				if len(got) == 2 {
					break
				}
			}
			assert.Equal(t, []int64{1, 2}, got)
			// The transaction is intact: its earlier work is visible and
			// it commits.
			v, err := ore.Scalar(ctx, tx, ore.Select1(Counters.Value).From(Counters).Where(Counters.Name.Eq("likes")))
			require.NoError(t, err)
			assert.Equal(t, int64(99), v)
			require.NoError(t, tx.Commit(ctx))
			v, err = ore.Scalar(ctx, db, ore.Select1(Counters.Value).From(Counters).Where(Counters.Name.Eq("likes")))
			require.NoError(t, err)
			assert.Equal(t, int64(99), v)
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("error mid-iteration", func(t *testing.T) {
			// abs overflows on the fifth row, in both databases.
			q := `WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 10)
				SELECT CASE WHEN x = 5 THEN abs(x - 5 - 9223372036854775807 - 1) ELSE x END FROM s`
			var got []int64
			var errs []error
			for x, err := range ore.Each(t.Context(), db, ore.SQL[int64](q)) {
				if err != nil {
					errs = append(errs, err)
					assert.Zero(t, x)
					continue
				}
				got = append(got, x)
			}
			assert.Equal(t, []int64{1, 2, 3, 4}, got)
			require.Len(t, errs, 1, "one error, and it ends the sequence")
			assert.True(t, strings.HasPrefix(errs[0].Error(), "ore: "), errs[0].Error())
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("scan error mid-iteration", func(t *testing.T) {
			var got []string
			var errs []error
			for email, err := range ore.Each(t.Context(), db, ore.SQL[string](`SELECT email FROM users ORDER BY id`)) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, email)
			}
			assert.Equal(t, []string{"ann@example.com"}, got, "bob's email is NULL")
			assert.Len(t, errs, 1)
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("error before the first row", func(t *testing.T) {
			n := 0
			for _, err := range ore.Each(t.Context(), db, ore.SQL[int64](`SELECT nope FROM users`)) {
				n++
				assert.Error(t, err)
			}
			assert.Equal(t, 1, n)
			n = 0
			for _, err := range ore.Each(t.Context(), db, ore.SQL[engIDName](`SELECT id, name, age FROM users`)) {
				n++
				assert.ErrorContains(t, err, `"age"`)
			}
			assert.Equal(t, 1, n)
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("break after an error is yielded", func(t *testing.T) {
			// Stopping at the error must not make Each yield again.
			for _, err := range ore.Each(t.Context(), db, ore.SQL[string](`SELECT email FROM users ORDER BY id`)) {
				if err != nil {
					break
				}
			}
			assert.Equal(t, int32(0), engAcquired(db))
		})
	})
}

// ----------------------------------------------------------------------------
// Into, parameters

func TestEngineResultsInto(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		ins, err := ore.All(ctx, db, ore.Into[engIDName](ore.Insert(Users).Values(Users.Name.To("eve"), Users.Age.To(22)).Returning(Users.ID, Users.Name)))
		require.NoError(t, err)
		require.Len(t, ins, 1)
		assert.Equal(t, "eve", ins[0].Name)
		assert.Greater(t, ins[0].ID, int64(4))
		age, err := ore.Scalar(ctx, db, ore.Select1(Users.Age).From(Users).Where(Users.ID.Eq(ins[0].ID)))
		require.NoError(t, err)
		assert.Equal(t, int32(22), age)

		id, err := ore.Scalar(ctx, db, ore.Into[int64](ore.Insert(Tags).Values(Tags.Name.To("rust")).Returning(Tags.ID)))
		require.NoError(t, err)
		name, err := ore.Scalar(ctx, db, ore.Select1(Tags.Name).From(Tags).Where(Tags.ID.Eq(id)))
		require.NoError(t, err)
		assert.Equal(t, "rust", name)

		upd, err := ore.All(ctx, db, ore.Into[ore.Row2[int64, int32]](ore.Update(Users).Set(Users.Age.To(50)).Where(Users.ID.In(1, 2)).Returning(Users.ID, Users.Age)))
		require.NoError(t, err)
		slices.SortFunc(upd, func(a, b ore.Row2[int64, int32]) int { return int(a.V1 - b.V1) })
		assert.Equal(t, []ore.Row2[int64, int32]{{V1: 1, V2: 50}, {V1: 2, V2: 50}}, upd)

		del, err := ore.All(ctx, db, ore.Into[*engIDName](ore.SQL[struct{}](`DELETE FROM posts WHERE user_id = ? RETURNING id, title AS name`, 1)))
		require.NoError(t, err)
		require.Len(t, del, 2)
		slices.SortFunc(del, func(a, b *engIDName) int { return int(a.ID - b.ID) })
		assert.Equal(t, []*engIDName{{1, "Hello"}, {2, "Again"}}, del)

		_, err = ore.One(ctx, db, ore.Into[int64](ore.Delete(Posts).Where(Posts.ID.Eq(1)).Returning(Posts.ID)))
		assert.ErrorIs(t, err, ore.ErrNoRows, "post 1 is already gone")

		n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Posts))
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}

func TestEngineResultsParams(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		minAge := ore.Param[int32]("min_age")
		q := ore.Select1(Users.Name).From(Users).Where(Users.Age.GtExpr(minAge)).OrderBy(Users.Name)

		got, err := ore.All(ctx, db, q, minAge.Bind(30))
		require.NoError(t, err)
		assert.Equal(t, []string{"ann", "cid"}, got)
		got, err = ore.All(ctx, db, q, minAge.Bind(20))
		require.NoError(t, err)
		assert.Equal(t, []string{"ann", "bob", "cid"}, got)
		// The statement compiled once; the second run was a cache hit.
		assert.Positive(t, db.Stats().Cache.Hits)

		first, err := ore.First(ctx, db, q, minAge.Bind(40))
		require.NoError(t, err)
		assert.Equal(t, "cid", first)

		newAge, who := ore.Param[int32]("new_age"), ore.Param[int64]("who")
		upd := ore.Update(Users).Set(Users.Age.ToExpr(newAge)).Where(Users.ID.EqExpr(who))
		r, err := db.Exec(ctx, upd, newAge.Bind(77), who.Bind(2))
		require.NoError(t, err)
		assert.Equal(t, int64(1), r.RowsAffected)
		age, err := ore.Scalar(ctx, db, ore.Select1(Users.Age).From(Users).Where(Users.ID.Eq(2)))
		require.NoError(t, err)
		assert.Equal(t, int32(77), age)

		_, err = ore.All(ctx, db, q)
		require.Error(t, err, "no value for min_age")
		assert.Contains(t, err.Error(), "min_age")
		_, err = db.Exec(ctx, upd, newAge.Bind(1))
		require.Error(t, err, "no value for who")
		assert.Contains(t, err.Error(), "who")
		_, err = ore.All(ctx, db, q, minAge.Bind(1), who.Bind(1))
		require.Error(t, err, "who is not a parameter of q")
		// A statement without parameters takes no values.
		_, err = ore.All(ctx, db, ore.Select1(Users.Name).From(Users), minAge.Bind(1))
		assert.Error(t, err)
		age, err = ore.Scalar(ctx, db, ore.Select1(Users.Age).From(Users).Where(Users.ID.Eq(2)))
		require.NoError(t, err)
		assert.Equal(t, int32(77), age, "the failed update changed nothing")
		assert.Equal(t, int32(0), engAcquired(db))
	})
}

// ----------------------------------------------------------------------------
// Conn, Query

func TestEngineResultsConn(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 2}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		assert.Equal(t, int32(1), engAcquired(db))

		engExec(t, c, `CREATE TEMP TABLE eng_scratch (v integer)`)
		engExec(t, c, `INSERT INTO eng_scratch VALUES (?), (?)`, 7, 8)
		n, err := ore.Scalar(ctx, c, ore.SQL[int64](`SELECT sum(v) FROM eng_scratch`))
		require.NoError(t, err)
		assert.Equal(t, int64(15), n)
		rows, err := c.Query(ctx, ore.SQL[int64](`SELECT v FROM eng_scratch ORDER BY v`))
		require.NoError(t, err)
		var vs []int64
		for rows.Next() {
			var v int64
			require.NoError(t, rows.Scan(&v))
			vs = append(vs, v)
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, []int64{7, 8}, vs)

		// Another connection does not see the temporary table.
		_, err = ore.Scalar(ctx, db, ore.SQL[int64](`SELECT count(*) FROM eng_scratch`))
		assert.Error(t, err)

		if db.Dialect().Name() == "postgres" {
			engExec(t, c, `SET application_name = 'ore_pinned'`)
			app, err := ore.Scalar(ctx, c, ore.SQL[string](`SELECT current_setting('application_name')`))
			require.NoError(t, err)
			assert.Equal(t, "ore_pinned", app)
			other, err := ore.Scalar(ctx, db, ore.SQL[string](`SELECT current_setting('application_name')`))
			require.NoError(t, err)
			assert.NotEqual(t, "ore_pinned", other)
		}

		assert.Equal(t, int32(1), engAcquired(db))
		require.NoError(t, c.Close())
		assert.Equal(t, int32(0), engAcquired(db), "Close gives the connection back")
		assert.NoError(t, c.Close(), "closing twice is harmless")
		_, err = c.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		assert.ErrorIs(t, err, ore.ErrClosed)
		_, err = ore.All(ctx, c, ore.SQL[int64](`SELECT 1`))
		assert.ErrorIs(t, err, ore.ErrClosed)
		_, err = c.Begin(ctx, ore.TxOptions{})
		assert.ErrorIs(t, err, ore.ErrClosed)
	})
}

func TestEngineResultsQuery(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		rows, err := db.Query(ctx, ore.Select2(Users.ID, Users.Name).From(Users).Where(Users.ID.Le(3)).OrderBy(Users.ID))
		require.NoError(t, err)
		assert.Equal(t, []string{"id", "name"}, rows.Columns())
		assert.Equal(t, int32(1), engAcquired(db), "rows hold their connection")
		var ids []int64
		var names []string
		for rows.Next() {
			var id int64
			var name string
			require.NoError(t, rows.Scan(&id, &name))
			ids, names = append(ids, id), append(names, name)
		}
		assert.NoError(t, rows.Err())
		assert.Equal(t, []int64{1, 2, 3}, ids)
		assert.Equal(t, []string{"ann", "bob", "cid"}, names)
		assert.Equal(t, int32(0), engAcquired(db), "reading every row closes the rows")
		assert.NoError(t, rows.Close())
		assert.False(t, rows.Next())
		var id int64
		assert.Error(t, rows.Scan(&id), "scan after close")

		// Closing early gives the connection back.
		rows, err = db.Query(ctx, ore.Select1(Users.ID).From(Users))
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, rows.Close())
		assert.Equal(t, int32(0), engAcquired(db))

		// A scan into the wrong number of destinations fails; closing the
		// rows then gives the connection back (pgx ends the rows on a scan
		// error and Close reports it again; SQLite's rows stay readable).
		rows, err = db.Query(ctx, ore.Select2(Users.ID, Users.Name).From(Users).OrderBy(Users.ID))
		require.NoError(t, err)
		require.True(t, rows.Next())
		assert.Error(t, rows.Scan(&id))
		_ = rows.Close()
		assert.Equal(t, int32(0), engAcquired(db))

		// An error while reading ends the rows; Err and Close report it.
		rows, err = db.Query(ctx, ore.SQL[int64](`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 3)
			SELECT CASE WHEN x = 3 THEN abs(x - 3 - 9223372036854775807 - 1) ELSE x END FROM s`))
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			n++
		}
		assert.Equal(t, 2, n)
		require.Error(t, rows.Err())
		assert.True(t, strings.HasPrefix(rows.Err().Error(), "ore: "), rows.Err().Error())
		assert.Equal(t, rows.Err(), rows.Close())
		assert.Equal(t, int32(0), engAcquired(db))

		_, err = db.Query(ctx, ore.SQL[int64](`SELECT nope`))
		assert.Error(t, err)
		assert.Equal(t, int32(0), engAcquired(db))
		assert.False(t, errors.Is(err, ore.ErrNoRows))
	})
}

func TestEngineResultsNestedQueries(t *testing.T) {
	// A query while another's rows are open on the same connection: SQLite
	// runs both; pgx allows one result at a time per connection, so the
	// inner query fails at once (it does not hang) and the outer one goes on.
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		var outer []int64
		var innerErrs int
		for id, err := range ore.Each(ctx, tx, ore.Select1(Users.ID).From(Users).OrderBy(Users.ID)) {
			require.NoError(t, err)
			outer = append(outer, id)
			n, err := ore.Scalar(ctx, tx, ore.Select1(ore.Count()).From(Posts).Where(Posts.UserID.Eq(id)))
			if err != nil {
				innerErrs++
				continue
			}
			assert.Equal(t, map[int64]int64{1: 2, 2: 1, 3: 0, 4: 1}[id], n)
		}
		assert.Equal(t, []int64{1, 2, 3, 4}, outer)
		if db.Dialect().Name() == "postgres" {
			assert.Equal(t, 4, innerErrs)
		} else {
			assert.Zero(t, innerErrs)
		}
		// The transaction is still usable.
		n, err := ore.Scalar(ctx, tx, ore.Select1(ore.Count()).From(Posts))
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)
	})
}

func TestEngineResultsConnClosedWithOpenRows(t *testing.T) {
	// A connection given back while its rows are still open is closed, not
	// reused: it is in the middle of a result.
	testdb.ForEachDB(t, ore.Options{MaxConns: 1}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		require.NoError(t, db.Ping(ctx))
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		rows, err := c.Query(ctx, ore.SQL[int64](engSeries(100)))
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, c.Close())
		assert.Eventually(t, func() bool { return db.Stats().Pool.Destroyed(pool.ReasonNotReusable) == 1 }, 5*time.Second, 10*time.Millisecond)
		n, err := ore.Scalar(ctx, db, ore.SQL[int64](`SELECT 7`))
		require.NoError(t, err)
		assert.Equal(t, int64(7), n)
		_ = rows.Close()
	})
}
