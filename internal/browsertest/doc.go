// Package browsertest drives Steward in headless Chromium (through chromedp)
// against a real server and a real database, as a person would, and runs
// axe-core on every page it visits.
//
// The tests skip with a message when Chromium is not installed, unless
// STEWARD_TEST_BROWSER=1, which makes them mandatory (CI sets it).
package browsertest
