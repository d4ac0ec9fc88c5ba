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
	"syscall"
)

func main() {
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

configuration is read from the environment: see README.md`
