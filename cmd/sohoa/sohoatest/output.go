package sohoatest

import (
	"bytes"
	"sync"
)

// Output collects what a program writes (a process's stderr, a server's
// log) while the test reads it: a bytes.Buffer safe for both at once. The
// zero Output is ready to use.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns what was written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
