package ore_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
)

// Statements that share a prefix of rows stay independent, whichever
// extends first, and whatever goroutines do so.
func TestInsertValuesShareNoRows(t *testing.T) {
	base := ore.Insert(Tags).Values(Tags.Name.To("a")).Values(Tags.Name.To("b"))
	var wg sync.WaitGroup
	results := make([]ore.InsertStmt, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := base
			for j := 0; j <= i; j++ {
				s = s.Values(Tags.Name.To(string(rune('c' + i))))
			}
			results[i] = s
		}()
	}
	wg.Wait()
	for i, s := range results {
		q, err := ore.Compile(postgres.Dialect{}, s)
		require.NoError(t, err)
		want := []any{"a", "b"}
		for j := 0; j <= i; j++ {
			want = append(want, string(rune('c'+i)))
		}
		assert.Equal(t, want, q.Args, "statement %d", i)
	}
	q, err := ore.Compile(postgres.Dialect{}, base)
	require.NoError(t, err)
	assert.Equal(t, []any{"a", "b"}, q.Args)
}
