package workers

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// StackJob splits a stack of many dossiers accepted by POST /v1/stacks
// (its pages and manifest stored beforehand): each dossier found becomes a
// batch through the intake, each run of pages no mark claims an exception.
// Splitting the same stack again finds what the first run made (every
// dossier is submitted under a key of its own), so a job retried, or
// delivered again after its process died halfway, makes no second batch.
type StackJob struct {
	StackID string `json:"stack_id"`
}

// Kind implements JobArgs.
func (StackJob) Kind() string { return "stack" }

// StackPolicy is how stack jobs run. Reading the marks of a stack of 500
// pages costs seconds of CPU, and the codes proposed for exceptions a few
// bands of OCR (at most four per stack): 15 minutes per attempt is
// generous on a machine shared with the page workers. A failed attempt
// (the database or blob store away, a station over its hourly page budget)
// is tried again for about an hour in all; one stack splits at a time per
// process, so that stacks never take the CPU from the page workers.
func StackPolicy() Policy {
	return Policy{
		Timeout:     15 * time.Minute,
		MaxAttempts: 8,
		Backoff:     ExpBackoff(5*time.Second, 10*time.Minute),
		Concurrency: 1,
	}
}

// StackSplitter splits stored stacks; *stack.Splitter implements it.
type StackSplitter interface {
	// Run splits stack id and records the outcome; a stack already split
	// is left alone, and running it again after a partial run makes
	// nothing twice. A stack no retry can split is recorded failed and
	// Run returns nil.
	Run(ctx context.Context, id string) error
	// Fail records that the job of stack id gave up, with reason.
	Fail(ctx context.Context, id, reason string) error
}

// StackWorker works StackJobs with Stacks. New registers one when
// Config.Stacks is set; AddWorker(c, &StackWorker{...}, StackPolicy())
// registers one on a bare Client.
type StackWorker struct {
	Stacks StackSplitter
}

// Work splits the stack.
func (w *StackWorker) Work(ctx context.Context, job *Job[StackJob]) error {
	if job.Args.StackID == "" {
		return backoff.Permanent(errors.New("workers: stack job without a stack id"))
	}
	return w.Stacks.Run(ctx, job.Args.StackID)
}

// DeadLetter records the stack failed, so that its state says so.
func (w *StackWorker) DeadLetter(ctx context.Context, job *Job[StackJob], reason string) error {
	return w.Stacks.Fail(ctx, job.Args.StackID, reason)
}

// EnqueueStack queues the split of a stored stack (stack.Queue). Queueing
// a stack twice is harmless: its job finds the work done.
func (r *Runner) EnqueueStack(ctx context.Context, stackID string) error {
	return r.client.Enqueue(ctx, StackJob{StackID: stackID})
}
