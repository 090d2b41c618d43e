package workers

import (
	"context"
	"testing"
	"time"
)

// BenchmarkQueue compares the two queues on one job's life: a confirmed
// publish, then a delivery and its ack (prefetch 8). Run with
// `go test -run ^$ -bench Queue ./workers/`; ns/op is per job.
func BenchmarkQueue(b *testing.B) {
	for _, impl := range queueImpls() {
		b.Run(impl.name, func(b *testing.B) {
			q := impl.open(b)(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, err := q.Consume(ctx, "t", 8)
			if err != nil {
				b.Fatal(err)
			}
			acked := make(chan struct{}, 1024)
			for range 8 {
				go func() {
					for d := range ch {
						d.Ack(ctx)
						acked <- struct{}{}
					}
				}()
			}
			b.ResetTimer()
			go func() {
				for range b.N {
					if err := q.Publish(ctx, Message{Kind: "t", Args: []byte(`{"batch_id":"x","index":1}`), Attempt: 1}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			for i := 0; i < b.N; i++ {
				select {
				case <-acked:
				case <-time.After(30 * time.Second):
					b.Fatalf("only %d of %d jobs acked", i, b.N)
				}
			}
		})
	}
}
