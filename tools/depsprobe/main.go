//go:build tools

// Package depsprobe pins the modules Steward uses while the code that uses them is written.
package main
import (
_ "modernc.org/sqlite"
_ "github.com/jackc/pgx/v5/stdlib"
_ "github.com/jackc/pgx/v5/pgxpool"
_ "github.com/pressly/goose/v3"
_ "github.com/riverqueue/river"
_ "github.com/riverqueue/river/riverdriver/riverpgxv5"
_ "github.com/riverqueue/river/riverdriver/riversqlite"
_ "github.com/riverqueue/river/riverdriver/riverdatabasesql"
_ "github.com/riverqueue/river/rivermigrate"
_ "golang.org/x/crypto/argon2"
_ "github.com/prometheus/client_golang/prometheus"
_ "github.com/emersion/go-smtp"
_ "github.com/wneessen/go-mail"
_ "github.com/chromedp/chromedp"
_ "github.com/yuin/goldmark"
_ "github.com/microcosm-cc/bluemonday"
_ "github.com/getkin/kin-openapi/openapi3"
_ "github.com/schollz/progressbar/v3"
)
func main(){}
