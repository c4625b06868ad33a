package pool_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/ore-go/ore/pool"
)

func ExamplePool() {
	// A trivial connection type; an engine pools its driver connections.
	type session struct{ id int64 }
	var opened atomic.Int64

	p, err := pool.New(context.Background(), pool.Config[*session]{
		Connect: func(ctx context.Context) (*session, error) {
			return &session{id: opened.Add(1)}, nil
		},
		Close:   func(*session) {},
		MaxSize: 2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	c, err := p.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session", c.Value().id)
	c.Release()

	c, err = p.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session", c.Value().id, "again")
	c.Invalidate() // it reported a disconnect: never reuse it
	c.Release()    // does nothing after Invalidate

	c, err = p.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session", c.Value().id)
	c.Release()

	p.Close()
	s := p.Stat()
	fmt.Println("created:", s.Created())
	fmt.Println("invalidated:", s.Destroyed(pool.ReasonInvalidated))
	fmt.Println("closed with the pool:", s.Destroyed(pool.ReasonPoolClosed))
	// Output:
	// session 1
	// session 1 again
	// session 2
	// created: 2
	// invalidated: 1
	// closed with the pool: 1
}
