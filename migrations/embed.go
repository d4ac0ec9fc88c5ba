// Package migrations embeds the goose SQL migrations of the Campus schema.
package migrations

import "embed"

// FS holds every migration file; goose reads them in version order.
//
//go:embed *.sql
var FS embed.FS
