package main

// Placeholders: each owner replaces its function by a real one in its own
// file and deletes the line here.

import (
	"context"
	"errors"
)

var errNotYet = errors.New("not implemented yet")

func runDemo(ctx context.Context, e *env, args []string) error      { return errNotYet }
func runOCR(ctx context.Context, e *env, args []string) error       { return errNotYet }
func runOCREngine(ctx context.Context, e *env, args []string) error { return errNotYet }
func runPDF(ctx context.Context, e *env, args []string) error       { return errNotYet }
func runVerify(ctx context.Context, e *env, args []string) error    { return errNotYet }
func runServe(ctx context.Context, e *env, args []string) error     { return errNotYet }
func runWorker(ctx context.Context, e *env, args []string) error    { return errNotYet }
func runUpload(ctx context.Context, e *env, args []string) error    { return errNotYet }
func runWatch(ctx context.Context, e *env, args []string) error     { return errNotYet }
func runSearch(ctx context.Context, e *env, args []string) error    { return errNotYet }
func runReindex(ctx context.Context, e *env, args []string) error   { return errNotYet }
func runMigrate(ctx context.Context, e *env, args []string) error   { return errNotYet }
func runToken(ctx context.Context, e *env, args []string) error     { return errNotYet }
