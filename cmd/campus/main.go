// Command campus is the portal of the Campus du numérique public.
//
//	campus serve     serve the portal (applies pending migrations first unless CAMPUS_AUTO_MIGRATE=false)
//	campus migrate   apply pending migrations
//	campus seed      load the reference catalogue (idempotent)
//	campus user grant <role> <email>   give a role (agent, trainer, admin) to an account
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	// Every date is shown in Europe/Paris (catalogue.Paris, loaded at start): embed the time zone database so the
	// binary needs no /usr/share/zoneinfo on the host (minimal container images have none).
	_ "time/tzdata"
)

// tuneGC sets the garbage collector for a server whose live heap is small (tens of MB) and whose requests
// allocate a lot of short-lived memory: collect when the heap has grown by 400 % rather than 100 % (a quarter
// of the collections), with a soft memory limit of 100 MiB that brings collections back before the process
// grows past it. GOGC and GOMEMLIMIT, when set, win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
}

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "campus:", err)
		os.Exit(1)
	}
}

const usage = `usage: campus <command>

commands:
  serve     serve the portal on CAMPUS_ADDR (default localhost:8080)
  migrate   apply pending database migrations
  seed      load the reference catalogue (idempotent)
  user      user grant <role> <email>: give a role (agent, trainer, admin) to an account
  demo      development only: create or reset an agent, a trainer and an admin with a new password, printed

configuration is read from the environment: see README.md`
